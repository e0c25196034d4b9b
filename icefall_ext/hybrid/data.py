"""Kaldi-style data dirs for the hybrid system: `text` (utt words, sorted by utterance id, as
utils/validate_data_dir.sh wants) and `feats.npz` (one array per utterance), made from lhotse cuts.
Transcript words missing from the lexicon become the OOV word, counted, as Kaldi's sym2int.pl
--map-oov does."""
import io
import logging
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from icefall_ext.hybrid.features import gmm_features
from recipe_common.errors import InputError
from recipe_common.io import atomic_path, write_text_atomic


def write_data_dir(cuts_path: Path, out_dir: Path) -> int:
    """Features and transcripts of every cut of a manifest (lhotse is imported here only: the
    feature step runs in its own process, apart from the FST libraries)."""
    from lhotse import load_manifest_lazy

    if not Path(cuts_path).is_file():
        raise InputError(f"{cuts_path}: cut manifest does not exist")
    feats, text = {}, {}
    for cut in load_manifest_lazy(cuts_path):
        samples = cut.load_audio()[0]
        feats[cut.id] = gmm_features(samples, cut.sampling_rate)
        text[cut.id] = " ".join(s.text for s in cut.supervisions if s.text).split()
    if not feats:
        raise InputError(f"{cuts_path}: no cuts")
    write_text_atomic(Path(out_dir) / "text", "".join(f"{u} {' '.join(text[u])}\n" for u in sorted(text)))
    buf = io.BytesIO()
    np.savez(buf, **{u: feats[u] for u in sorted(feats)})
    with atomic_path(Path(out_dir) / "feats.npz") as tmp:
        tmp.write_bytes(buf.getvalue())
    return len(feats)


def read_text(path: Path) -> Dict[str, List[str]]:
    if not Path(path).is_file():
        raise InputError(f"{path}: transcripts do not exist")
    out = {}
    for line in Path(path).read_text().splitlines():
        fields = line.split()
        if fields:
            out[fields[0]] = fields[1:]
    return out


def read_feats(path: Path) -> Dict[str, np.ndarray]:
    if not Path(path).is_file():
        raise InputError(f"{path}: features do not exist (run the feature stage first)")
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def map_to_vocabulary(text: Dict[str, List[str]], word_ids: Dict[str, int], oov: str,
                      where: str) -> Tuple[Dict[str, List[int]], Counter]:
    """Word ids per utterance; unknown words become `oov` and are counted (and logged once)."""
    if oov not in word_ids:
        raise InputError(f"{where}: the OOV word '{oov}' is not in words.txt")
    oovs: Counter = Counter()
    out = {}
    for utt, words in text.items():
        ids = []
        for w in words:
            if w not in word_ids or w.startswith("#") or w in ("<eps>", "<s>", "</s>"):
                oovs[w] += 1
                ids.append(word_ids[oov])
            else:
                ids.append(word_ids[w])
        out[utt] = ids
    if oovs:
        listed = ", ".join(f"{w} ({n})" for w, n in oovs.most_common(10))
        logging.warning(f"{where}: {sum(oovs.values())} word token(s) of {len(oovs)} type(s) not in the lexicon, "
                        f"mapped to {oov}: {listed}")
    return out, oovs


def transcript_word_ids(text_path: Path, lang_dir: Path) -> Tuple[Dict[str, int], Dict[str, List[int]]]:
    """(words.txt of a lang dir, each utterance's word ids): a Kaldi `text` file mapped onto the
    lang's vocabulary, unknown words to its oov.txt word (counted, as Kaldi's sym2int.pl --map-oov)."""
    from icefall_ext.hybrid.lang import read_symbol_table  # here: lang loads the Kaldi wheels, which make_mfcc does not need

    if not (Path(lang_dir) / "words.txt").is_file():
        raise InputError(f"{lang_dir}: not a lang dir (no words.txt)")
    word_ids = read_symbol_table(Path(lang_dir) / "words.txt")
    oov = (Path(lang_dir) / "oov.txt").read_text().strip()
    ids, _ = map_to_vocabulary(read_text(text_path), word_ids, oov, str(text_path))
    return word_ids, ids


def words_of_ids(ids: Sequence[int], words: Sequence[str]) -> List[str]:
    return [words[i] for i in ids]
