"""A trained transducer from a recipe config and its epoch checkpoints (icefall's --epoch/--avg)."""
import argparse
from pathlib import Path
from typing import Optional, Tuple, Union

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from recipe_common.checkpoint import averaged_model_state, resolve_epoch_avg
from recipe_common.config import load_config
from recipe_common.errors import InputError


def load_transducer(
    config: Union[str, Path], exp_dir: Union[str, Path], bpe_model: Union[str, Path], epoch: Optional[int], avg: Optional[int]
) -> Tuple[Transducer, Tokenizer, int, int]:
    """(model in eval mode, tokenizer, epoch, avg) with the last `avg` epochs up to `epoch` averaged."""
    cfg = load_config(config, AsrRecipeConfig)
    tokenizer = Tokenizer(bpe_model)
    epoch, avg = resolve_epoch_avg(exp_dir, epoch, avg, cfg.decode.avg)
    model = Transducer(cfg.model, vocab_size=tokenizer.vocab_size, blank_id=tokenizer.blank_id)
    try:
        model.load_state_dict(averaged_model_state(exp_dir, epoch, avg))
    except RuntimeError as e:
        raise InputError(f"{exp_dir}/epoch-{epoch}.pt: does not match the model in {config} ({str(e).splitlines()[0]})")
    model.eval()
    return model, tokenizer, epoch, avg


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every command that loads a trained model takes."""
    parser.add_argument("--config", required=True, help="the recipe config the model was trained with")
    parser.add_argument("--exp-dir", required=True, type=Path)
    parser.add_argument("--bpe-model", required=True, type=Path)
    parser.add_argument("--epoch", type=int, default=None, help="default: the last epoch")
    parser.add_argument("--avg", type=int, default=None, help="checkpoints to average; default: decode.avg of the config")


def load_transducer_from_args(args: argparse.Namespace) -> Tuple[Transducer, Tokenizer, int, int]:
    return load_transducer(args.config, args.exp_dir, args.bpe_model, args.epoch, args.avg)


def add_source_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a fine-tuning command (ILMA, MWER): the trained model it starts from, whose
    fine-tuned checkpoints go to --exp-dir."""
    parser.add_argument("--config", required=True, help="the recipe config the source model was trained with")
    parser.add_argument("--src-exp-dir", required=True, type=Path, help="the source model's exp dir")
    parser.add_argument("--epoch", type=int, default=None, help="source checkpoint; default: the last epoch")
    parser.add_argument("--avg", type=int, default=None, help="source checkpoints to average; default: decode.avg")
    parser.add_argument("--bpe-model", required=True, type=Path)


def load_source_model(args: argparse.Namespace) -> Tuple[Transducer, Tokenizer]:
    model, tokenizer, _, _ = load_transducer(args.config, args.src_exp_dir, args.bpe_model, args.epoch, args.avg)
    return model, tokenizer
