"""The config of an ASR recipe (`conf/*.yaml`), one dataclass per section."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from icefall_ext.data.connected_digits import ConnectedDigitsConfig
from icefall_ext.data.mixtures import MixtureConfig
from icefall_ext.decoding.orc_wer import DEFAULT_OVERLAP_BINS
from icefall_ext.lm.rnn_lm import RnnLmConfig
from icefall_ext.models.surt import MaskerConfig
from icefall_ext.models.transducer import TransducerConfig
from icefall_ext.results import ResultsConfig


@dataclass
class FeaturesConfig:
    speed_perturb: List[float] = field(default_factory=lambda: [0.9, 1.1])
    # [low, high]: each training cut at a random gain in that range, dB (icefall_ext.data.perturb); [] = none
    volume_perturb_db: List[float] = field(default_factory=list)
    num_noise_recordings: int = 30  # synthetic coloured noise used by CutMix in training
    noise_duration: float = 10.0

    def __post_init__(self):
        if self.volume_perturb_db and (len(self.volume_perturb_db) != 2 or self.volume_perturb_db[0] > self.volume_perturb_db[1]):
            raise ValueError(f"volume_perturb_db must be [low, high] in dB, not {self.volume_perturb_db}")


@dataclass
class TokensConfig:
    vocab_size: int = 32
    model_type: str = "unigram"
    eos: bool = False  # an <eos> symbol appended to every training transcript (endpointing models)


@dataclass
class TrainConfig:
    num_epochs: int = 10
    max_duration: float = 120.0  # seconds of audio per batch
    num_buckets: int = 10
    base_lr: float = 2e-3
    warmup_steps: int = 200
    lr_steps: int = 1000  # Eden-style decay: lr ~ ((step^2 + lr_steps^2) / lr_steps^2)^-0.25
    weight_decay: float = 1e-3
    grad_clip: float = 5.0
    spec_augment: bool = True
    spec_augment_frame_masks: int = 2
    spec_augment_frames_mask_size: int = 20
    spec_augment_feature_masks: int = 2
    spec_augment_features_mask_size: int = 15
    # Epoch from which SpecAugment and noise are applied. Without them the model leaves the
    # initial all-blank plateau within a few hundred steps; with them from the start it can
    # stay there for thousands (measured on FSDD connected digits).
    augment_start_epoch: int = 2
    noise_prob: float = 0.5
    noise_snr: List[float] = field(default_factory=lambda: [5.0, 25.0])
    num_workers: int = 0
    log_interval: int = 20
    seed: int = 42


@dataclass
class DecodeConfig:
    methods: List[str] = field(default_factory=lambda: ["greedy_search", "modified_beam_search"])
    beam: int = 4
    avg: int = 3  # average of the last `avg` epoch checkpoints
    max_duration: float = 300.0
    # LM fusion (the modified_beam_search_lm_shallow_fusion / _ILME / _LODR methods, icefall's
    # --lm-scale, --ilme-scale, --lodr-scale): the external LM's weight, the weight of the internal
    # LM subtracted (ILME), the bigram's weight (LODR; negative, as icefall's); the LM checkpoint
    # (bin/train_lm.py's epoch-N.pt) and the token bigram (bin/train_bigram.py) they read.
    lm_scale: float = 0.0
    ilme_scale: float = 0.0
    lodr_scale: float = 0.0
    lm_checkpoint: Optional[str] = None
    bigram: Optional[str] = None


STREAMING_SEARCHES = ("greedy_search", "modified_beam_search")


@dataclass
class StreamingConfig:
    """The `streaming` section: the chunks a causal model is decoded in, by PyTorch and by
    sherpa-onnx's OnlineRecognizer (one ONNX encoder per chunk: sherpa-onnx reads its T and
    decode_chunk_len from the metadata), and with which searches; the beam is decode.beam."""

    chunk_frames: List[int] = field(default_factory=lambda: [16, 32, 64])  # feature frames: 160/320/640 ms
    methods: List[str] = field(default_factory=lambda: list(STREAMING_SEARCHES))
    num_threads: int = 1  # sherpa-onnx's, for RTF and per-chunk time

    def __post_init__(self):
        if not self.chunk_frames:
            raise ValueError("chunk_frames must list at least one chunk size (feature frames)")
        for m in self.methods:
            if m not in STREAMING_SEARCHES:
                raise ValueError(f"methods: '{m}' has no streaming search (known: {', '.join(STREAMING_SEARCHES)})")
        if self.num_threads <= 0:
            raise ValueError(f"num_threads must be positive, not {self.num_threads}")


@dataclass
class EndpointingConfig:
    """The `endpointing` section (issue 22): the <eos> latency-penalty sweep, fine-tuned from the
    recipe's <eos> model (bin/train_eos_penalty.py), and how every endpointer is measured
    (bin/decode_endpoints.py, bin/score_endpoints.py)."""

    late_scales: List[float] = field(default_factory=lambda: [0.0, 0.5, 1.0, 2.0])  # 0: the same fine-tuning, no penalty
    early_scale: float = 0.0  # each penalised model's early weight (model.eos_penalty's)
    buffer_frames: int = 2
    num_epochs: int = 3  # fine-tuning epochs, augmentation on from the first; no warm-up
    base_lr: float = 5e-4
    chunk_frames: int = 32  # the streaming chunk endpointing runs at (feature frames)
    trailing_silence: List[float] = field(default_factory=lambda: [0.5, 2.0])  # seconds after each utterance
    rule2_sweep: List[float] = field(default_factory=lambda: [0.3, 0.6, 0.9])  # sherpa-onnx's rule 2, beside its default
    # the operating point, chosen on dev, and the targets on test: the penalty cuts the median latency
    # of the unpenalised twin by at least min_median_latency_cut, changes its WER by at most
    # max_wer_change (relative), and leaves at most max_early_cutoff of the utterances cut early
    min_median_latency_cut: float = 0.4
    max_wer_change: float = 0.05
    max_early_cutoff: float = 0.02

    def __post_init__(self):
        if not self.late_scales or any(w < 0 for w in self.late_scales):
            raise ValueError(f"late_scales must list weights >= 0, not {self.late_scales}")
        if 0.0 not in self.late_scales:
            raise ValueError("late_scales must hold 0.0: the unpenalised fine-tuning every penalty is compared with")
        for name in ("early_scale", "buffer_frames", "min_median_latency_cut", "max_wer_change", "max_early_cutoff"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")
        if self.num_epochs <= 0 or self.base_lr <= 0:
            raise ValueError(f"num_epochs and base_lr must be positive, not {self.num_epochs} and {self.base_lr}")
        if not self.trailing_silence or any(s < 0 for s in self.trailing_silence):
            raise ValueError(f"trailing_silence must list seconds >= 0, not {self.trailing_silence}")
        if any(s <= 0 for s in self.rule2_sweep):
            raise ValueError(f"rule2_sweep must list positive seconds, not {self.rule2_sweep}")


@dataclass
class LmConfig:
    """The `lm` section: the LSTM LM of bin/train_lm.py and its training (lm.train: the trainer's
    options; the audio ones, SpecAugment and noise, go unused)."""

    model: RnnLmConfig = field(default_factory=RnnLmConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    batch_size: int = 64  # sentences per batch
    early_stop_patience: int = 0  # epochs without a better dev perplexity before stopping; 0: never

    def __post_init__(self):
        if self.batch_size <= 0:
            raise ValueError(f"batch_size must be positive, not {self.batch_size}")
        if self.early_stop_patience < 0:
            raise ValueError(f"early_stop_patience must be >= 0, not {self.early_stop_patience}")


ILMA_PARAMS = ("joiner_last_linear", "joiner", "decoder_joiner")


@dataclass
class IlmaConfig:
    """The `ilma` section (bin/ilma.py): text-only internal-LM adaptation (Meng et al., arXiv
    2110.05354) of a trained transducer."""

    kl_scale: float = 0.5  # beta: weight of KL(unadapted || adapted internal LM); the paper tunes it
    # what is adapted: the joiner's output linear (the paper's best), the joiner, or decoder and joiner
    params: str = "joiner_last_linear"
    batch_size: int = 64  # sentences per batch
    early_stop_patience: int = 2  # epochs without a better dev internal-LM perplexity before stopping
    # the trainer runs with the `train` section's options but these (and no warm-up: a fine-tuning)
    num_epochs: int = 5
    base_lr: float = 1e-4

    def __post_init__(self):
        if self.kl_scale < 0:
            raise ValueError(f"kl_scale must be >= 0, not {self.kl_scale}")
        if self.params not in ILMA_PARAMS:
            raise ValueError(f"params must be one of {', '.join(ILMA_PARAMS)}, not {self.params!r}")
        if self.batch_size <= 0:
            raise ValueError(f"batch_size must be positive, not {self.batch_size}")
        if self.early_stop_patience < 0:
            raise ValueError(f"early_stop_patience must be >= 0, not {self.early_stop_patience}")
        if self.num_epochs <= 0 or self.base_lr <= 0:
            raise ValueError(f"num_epochs and base_lr must be positive, not {self.num_epochs} and {self.base_lr}")


# The corpora whose preparation reads options from the config; `corpus.name` says which one a
# `corpus:` section is for, and its keys are checked against that corpus's dataclass at load time.
CORPUS_SECTIONS = {"connected_digits": ConnectedDigitsConfig}


def _corpus_section_type(config: Dict[str, Any]) -> type:
    section = config.get("corpus")
    name = section.get("name") if isinstance(section, dict) else None
    if name not in CORPUS_SECTIONS:
        raise ValueError(f"corpus.name must be one of {', '.join(CORPUS_SECTIONS)}, not {name!r}")
    return CORPUS_SECTIONS[name]


MWER_METHODS = ("mwer", "mwer_sf", "mwer_ilme")


@dataclass
class MwerConfig:
    """The `mwer` section (bin/train_mwer.py, icefall_ext/losses/mwer.py): MWER fine-tuning, with LM
    fusion in the loss for mwer_sf and mwer_ilme. The LM weights are fixed here and decoding reuses them."""

    method: str = "mwer"  # mwer | mwer_sf | mwer_ilme
    nbest: int = 4  # hypotheses per utterance (the beam of the search)
    temperature: float = 1.0  # of the posteriors over the N-best
    rnnt_scale: float = 0.01  # weight of the reference's RNN-T loss beside the MWER loss
    lm_scale: float = 0.0  # mwer_sf, mwer_ilme: the external LM's weight (decode.lm_checkpoint)
    ilme_scale: float = 0.0  # mwer_ilme: the internal LM's weight, subtracted
    num_epochs: int = 2  # the fine-tuning's epochs and learning rate (the `train` section's other options)
    base_lr: float = 1e-5

    def __post_init__(self):
        if self.method not in MWER_METHODS:
            raise ValueError(f"method must be one of {', '.join(MWER_METHODS)}, not {self.method!r}")
        if self.nbest < 2:
            raise ValueError(f"nbest must be at least 2 (an N-best of one has no risk to minimise), not {self.nbest}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be positive, not {self.temperature}")
        for name in ("rnnt_scale", "lm_scale", "ilme_scale"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")
        if self.method == "mwer" and (self.lm_scale or self.ilme_scale):
            raise ValueError("method mwer uses no LM: set lm_scale and ilme_scale to 0, or method mwer_sf / mwer_ilme")
        if self.method == "mwer_sf" and self.ilme_scale:
            raise ValueError("method mwer_sf subtracts no internal LM: set ilme_scale to 0, or method mwer_ilme")

    @property
    def uses_lm(self) -> bool:
        return self.method != "mwer"


@dataclass
class SurtRecipeConfig:
    """The `surt` section (issue 23): two-talker mixtures of the recipe's corpus and the SURT model
    trained on them from the recipe's single-talker <eos> model, once per latency-penalty weight
    (icefall_ext/surt_training.py; the penalty's buffer and early weight are endpointing's)."""

    mixtures: MixtureConfig = field(default_factory=MixtureConfig)
    # the features.speed_perturb copies of the training cuts as mixture sources too (False: the
    # originals only; each mixture is already a new pair)
    speed_copies: bool = False
    masker: MaskerConfig = field(default_factory=MaskerConfig)
    num_channels: int = 2
    rnnt_loss_scale: float = 1.0
    ctc_loss_scale: float = 0.2  # icefall SURT's --ctc-loss-scale
    heat_loss_scale: float = 0.2  # icefall SURT's --heat-loss-scale
    late_scales: List[float] = field(default_factory=lambda: [0.0, 1.0])  # 0: the same training, no penalty
    num_epochs: int = 10
    base_lr: float = 5e-4
    warmup_steps: int = 100
    max_duration: float = 60.0  # seconds of mixture per batch
    chunk_frames: int = 32  # the streaming chunk decoded at (feature frames)
    avg: int = 3  # checkpoints averaged for decoding, the last of them the last epoch
    overlap_bins: List[float] = field(default_factory=lambda: list(DEFAULT_OVERLAP_BINS))
    # targets on the test mixtures: ORC-WER at most max_orc_wer_ratio times the single-talker
    # streaming model's WER on the same source utterances; the penalty (the largest late weight)
    # cuts the median per-channel endpoint latency by at least min_median_latency_cut with at most
    # max_orc_wer_change relative ORC-WER change
    max_orc_wer_ratio: float = 2.0
    min_median_latency_cut: float = 0.3
    max_orc_wer_change: float = 0.05

    def __post_init__(self):
        if self.num_channels < 1:
            raise ValueError(f"num_channels must be positive, not {self.num_channels}")
        if not self.late_scales or any(w < 0 for w in self.late_scales) or 0.0 not in self.late_scales:
            raise ValueError(f"late_scales must list weights >= 0 and hold 0.0 (no penalty), not {self.late_scales}")
        for name in ("num_epochs", "base_lr", "max_duration", "chunk_frames", "avg", "max_orc_wer_ratio"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        for name in ("rnnt_loss_scale", "ctc_loss_scale", "heat_loss_scale", "warmup_steps", "min_median_latency_cut",
                     "max_orc_wer_change"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")
        if len(self.overlap_bins) < 2 or any(a >= b for a, b in zip(self.overlap_bins[:-1], self.overlap_bins[1:])):
            raise ValueError(f"overlap_bins must be at least two increasing edges, not {self.overlap_bins}")


@dataclass
class AsrRecipeConfig:
    corpus: Any = field(default=None, metadata={"config_type": _corpus_section_type})  # None: no corpus options
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    tokens: TokensConfig = field(default_factory=TokensConfig)
    model: TransducerConfig = field(default_factory=TransducerConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    streaming: StreamingConfig = field(default_factory=StreamingConfig)
    endpointing: EndpointingConfig = field(default_factory=EndpointingConfig)
    lm: LmConfig = field(default_factory=LmConfig)
    ilma: IlmaConfig = field(default_factory=IlmaConfig)
    mwer: MwerConfig = field(default_factory=MwerConfig)
    surt: SurtRecipeConfig = field(default_factory=SurtRecipeConfig)
    results: ResultsConfig = field(default_factory=ResultsConfig)
