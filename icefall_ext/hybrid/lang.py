"""Kaldi's utils/prepare_lang.sh in Python: a lexicon -> data/lang (phones.txt, words.txt, L.fst,
L_disambig.fst, topo, phones/, oov.txt).

Choices (Kaldi's defaults where not said): phones are NOT position-dependent (AN4 is small; word-
boundary phones would quadruple the monophone set for no gain in a monophone system), one
pronunciation probability 1.0 per entry, optional silence between words with probability 0.5
(make_lexicon_fst.py's --sil-prob), the OOV word <UNK> spoken as the silence-class phone SPN.
"""
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from icefall_ext.hybrid.kaldi import kaldifst
from recipe_common.errors import InputError, raise_first_problem
from recipe_common.io import atomic_path, write_text_atomic

Lexicon = List[Tuple[str, List[str]]]

_ALTERNATE = re.compile(r"\(\d+\)$")  # CMU's WORD(2): the second pronunciation of WORD
LM_SENTENCE_SYMBOLS = ("<s>", "</s>")  # fillers that belong to G, not to L


def read_lexicon(path: Path, phone_set: Optional[Set[str]] = None) -> Lexicon:
    """`WORD PH1 PH2 ...` lines (CMU's alternates `WORD(2)` folded onto WORD), in file order,
    duplicates dropped; a phone outside `phone_set` (when given) is bad input."""
    if not Path(path).is_file():
        raise InputError(f"{path}: lexicon does not exist")
    lexicon, seen, problems = [], set(), []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        word = _ALTERNATE.sub("", fields[0])
        if len(fields) < 2:
            problems.append(f"{path}:{n}: '{fields[0]}' has no pronunciation")
            continue
        unknown = [p for p in fields[1:] if phone_set is not None and p not in phone_set]
        if unknown:
            problems.append(f"{path}:{n}: phone(s) {' '.join(unknown)} of '{fields[0]}' not in the phone set")
        key = (word, tuple(fields[1:]))
        if key not in seen:
            seen.add(key)
            lexicon.append((word, list(fields[1:])))
    raise_first_problem(problems)
    if not lexicon:
        raise InputError(f"{path}: lexicon has no entries")
    return lexicon


def read_phone_set(path: Path) -> Set[str]:
    """One phone per line (CMU's etc/an4.phone)."""
    if not Path(path).is_file():
        raise InputError(f"{path}: phone list does not exist")
    return {line.split()[0] for line in Path(path).read_text().splitlines() if line.split()}


@dataclass
class Lang:
    """Everything data/lang holds, as Python values; ids follow the list order (0 is <eps>)."""

    phones: List[str]              # <eps>, silence phones, nonsilence phones, #0..#N
    words: List[str]               # <eps>, sorted words, #0, <s>, </s>
    lexicon: Lexicon               # including the OOV and filler entries
    disambig_lexicon: List[Tuple[str, List[str]]]  # pronunciations with #k appended where needed
    silence_phones: List[str]
    nonsilence_phones: List[str]
    optional_silence: str
    oov: str
    sil_prob: float

    @property
    def phone_ids(self) -> Dict[str, int]:
        return {p: i for i, p in enumerate(self.phones)}

    @property
    def word_ids(self) -> Dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    @property
    def disambig_phones(self) -> List[str]:
        return [p for p in self.phones if p.startswith("#")]

    @property
    def silence_disambig(self) -> str:
        """The last #k: it follows optional silence in L_disambig (prepare_lang.sh's extra symbol)."""
        return self.disambig_phones[-1]


def add_disambig_symbols(lexicon: Lexicon) -> Tuple[List[Tuple[str, List[str]]], int]:
    """Kaldi's add_lex_disambig.pl: a pronunciation shared by several words, or a proper prefix of
    another, gets #1, #2, ... appended so that L becomes determinizable. Returns the new lexicon
    and the highest k used (0 if none)."""
    counts: Dict[Tuple[str, ...], int] = {}
    for _, pron in lexicon:
        counts[tuple(pron)] = counts.get(tuple(pron), 0) + 1
    prefixes = {tuple(pron[:i]) for _, pron in lexicon for i in range(1, len(pron))}
    used: Dict[Tuple[str, ...], int] = {}
    out, max_k = [], 0
    for word, pron in lexicon:
        key = tuple(pron)
        if counts[key] == 1 and key not in prefixes:
            out.append((word, list(pron)))
            continue
        used[key] = used.get(key, 0) + 1
        max_k = max(max_k, used[key])
        out.append((word, list(pron) + [f"#{used[key]}"]))
    return out, max_k


def prepare_lang(lexicon: Lexicon, silence_phones: Sequence[str], optional_silence: str = "SIL",
                 oov_word: str = "<UNK>", oov_phone: str = "SPN", sil_prob: float = 0.5) -> Lang:
    """The lang as prepare_lang.sh builds it. The OOV word is added (as `oov_word oov_phone`) when the
    lexicon lacks it; `oov_phone` joins the silence phones, as Kaldi recipes' SPN does."""
    if not 0.0 < sil_prob < 1.0:
        raise InputError(f"sil_prob {sil_prob}: must be in (0, 1)")
    silence = list(dict.fromkeys(list(silence_phones) + [oov_phone]))
    if optional_silence not in silence:
        raise InputError(f"optional silence '{optional_silence}' is not one of the silence phones {silence}")
    lexicon = [(w, p) for w, p in lexicon if w not in LM_SENTENCE_SYMBOLS]
    if oov_word not in {w for w, _ in lexicon}:
        lexicon = lexicon + [(oov_word, [oov_phone])]
    bad = sorted({w for w, _ in lexicon if w.startswith("#") or w == "<eps>"})
    if bad:
        raise InputError(f"lexicon word(s) {' '.join(bad)}: reserved for Kaldi's symbol tables")
    used_phones = [p for _, pron in lexicon for p in pron]
    reserved = sorted({p for p in used_phones if p.startswith("#") or p == "<eps>"})
    if reserved:
        raise InputError(f"lexicon phone(s) {' '.join(reserved)}: reserved for disambiguation/epsilon")
    nonsilence = sorted(set(used_phones) - set(silence))
    disambig_lexicon, max_k = add_disambig_symbols(lexicon)
    num_disambig = max_k + 1  # one more for the silence that follows a word in L_disambig
    phones = ["<eps>"] + silence + nonsilence + [f"#{k}" for k in range(num_disambig + 1)]
    words = ["<eps>"] + sorted({w for w, _ in lexicon}) + ["#0", "<s>", "</s>"]
    return Lang(phones, words, lexicon, disambig_lexicon, silence, nonsilence, optional_silence, oov_word, sil_prob)


def make_lexicon_fst(lang: Lang, disambig: bool) -> "kaldifst.StdVectorFst":
    """L (phones -> words) with optional silence, as make_lexicon_fst.py builds it: a loop state that
    each word leaves by its first phone (the word on that arc) and re-enters after its last, either
    directly or through SIL. With `disambig`, the #k of the disambiguated lexicon stay on the input,
    silence is followed by the silence #k, and #0:#0 loops are added where fstaddselfloops adds them
    (final states and states with word arcs out), so that G's #0 passes through."""
    pid, wid = lang.phone_ids, lang.word_ids
    no_sil_cost, sil_cost = -math.log(1.0 - lang.sil_prob), -math.log(lang.sil_prob)
    fst = kaldifst.StdVectorFst()
    start, loop, sil = fst.add_state(), fst.add_state(), fst.add_state()
    fst.start = start

    def arc(src: int, ilabel: int, olabel: int, cost: float, dst: int) -> None:
        fst.add_arc(src, kaldifst.StdArc(ilabel, olabel, cost, dst))

    arc(start, 0, 0, no_sil_cost, loop)
    arc(start, 0, 0, sil_cost, sil)
    sil_phone = pid[lang.optional_silence]
    if disambig:
        after_sil = fst.add_state()
        arc(sil, sil_phone, 0, 0.0, after_sil)
        arc(after_sil, pid[lang.silence_disambig], 0, 0.0, loop)
    else:
        arc(sil, sil_phone, 0, 0.0, loop)
    for word, pron in (lang.disambig_lexicon if disambig else lang.lexicon):
        state = loop
        for i, phone in enumerate(pron[:-1]):
            nxt = fst.add_state()
            arc(state, pid[phone], wid[word] if i == 0 else 0, 0.0, nxt)
            state = nxt
        olabel = wid[word] if len(pron) == 1 else 0
        arc(state, pid[pron[-1]], olabel, no_sil_cost, loop)
        arc(state, pid[pron[-1]], olabel, sil_cost, sil)
    fst.set_final(loop, 0.0)
    if disambig:
        add_self_loops(fst, pid["#0"], wid["#0"])
    kaldifst.arcsort(fst, sort_type="olabel")
    return fst


def add_self_loops(fst: "kaldifst.StdVectorFst", ilabel: int, olabel: int) -> None:
    """fstaddselfloops: an `ilabel:olabel` loop on each final state and each state with a
    non-epsilon output label on an arc out of it."""
    targets = []
    for s in kaldifst.StateIterator(fst):
        arcs = list(kaldifst.ArcIterator(fst, s))
        if math.isfinite(fst.final(s).value) or any(a.olabel != 0 for a in arcs):
            targets.append(s)
    for s in targets:
        fst.add_arc(s, kaldifst.StdArc(ilabel, olabel, 0.0, s))


def make_topo(nonsilence_ids: Iterable[int], silence_ids: Iterable[int], num_nonsil_states: int = 3,
              num_sil_states: int = 5) -> str:
    """utils/gen_topo.pl's HMM topology: left-to-right 3-state phones, and 5-state silence whose
    middle states are fully connected (so silence can be long and varied)."""
    lines = ["<Topology>", "<TopologyEntry>", "<ForPhones>", " ".join(map(str, nonsilence_ids)), "</ForPhones>"]
    for s in range(num_nonsil_states):
        lines.append(f"<State> {s} <PdfClass> {s} <Transition> {s} 0.75 <Transition> {s + 1} 0.25 </State>")
    lines += [f"<State> {num_nonsil_states} </State>", "</TopologyEntry>", "<TopologyEntry>", "<ForPhones>",
              " ".join(map(str, silence_ids)), "</ForPhones>"]
    last = num_sil_states - 1
    p = 1.0 / last
    lines.append("<State> 0 <PdfClass> 0 " + " ".join(f"<Transition> {t} {p:g}" for t in range(last)) + " </State>")
    for s in range(1, last):
        lines.append(f"<State> {s} <PdfClass> {s} " + " ".join(f"<Transition> {t} {p:g}" for t in range(1, last + 1))
                     + " </State>")
    lines += [f"<State> {last} <PdfClass> {last} <Transition> {last} 0.75 <Transition> {last + 1} 0.25 </State>",
              f"<State> {last + 1} </State>", "</TopologyEntry>", "</Topology>"]
    return "\n".join(lines) + "\n"


def write_fst_atomic(fst: "kaldifst.StdVectorFst", path: Path) -> None:
    with atomic_path(path) as tmp:
        fst.write(str(tmp))


def write_lang_dir(lang: Lang, out_dir: Path) -> None:
    """data/lang in Kaldi's layout; every file written temp-then-rename."""
    out_dir = Path(out_dir)
    pid, wid = lang.phone_ids, lang.word_ids
    write_text_atomic(out_dir / "phones.txt", "".join(f"{p} {i}\n" for i, p in enumerate(lang.phones)))
    write_text_atomic(out_dir / "words.txt", "".join(f"{w} {i}\n" for i, w in enumerate(lang.words)))
    write_text_atomic(out_dir / "oov.txt", f"{lang.oov}\n")
    write_text_atomic(out_dir / "oov.int", f"{wid[lang.oov]}\n")
    sets = {"silence": lang.silence_phones, "nonsilence": lang.nonsilence_phones,
            "optional_silence": [lang.optional_silence], "disambig": lang.disambig_phones,
            "context_indep": lang.silence_phones}
    for name, phones in sets.items():
        write_text_atomic(out_dir / "phones" / f"{name}.txt", "".join(f"{p}\n" for p in phones))
        write_text_atomic(out_dir / "phones" / f"{name}.int", "".join(f"{pid[p]}\n" for p in phones))
    write_text_atomic(out_dir / "phones" / "wdisambig.txt", "#0\n")
    write_text_atomic(out_dir / "phones" / "wdisambig_words.int", f"{wid['#0']}\n")
    write_text_atomic(out_dir / "lexicon.txt", "".join(f"{w} {' '.join(p)}\n" for w, p in lang.lexicon))
    write_text_atomic(out_dir / "lexicon_disambig.txt", "".join(f"{w} {' '.join(p)}\n" for w, p in lang.disambig_lexicon))
    write_text_atomic(out_dir / "topo", make_topo([pid[p] for p in lang.nonsilence_phones],
                                                  [pid[p] for p in lang.silence_phones]))
    write_fst_atomic(make_lexicon_fst(lang, disambig=False), out_dir / "L.fst")
    write_fst_atomic(make_lexicon_fst(lang, disambig=True), out_dir / "L_disambig.fst")


def read_symbol_table(path: Path) -> Dict[str, int]:
    """A Kaldi `SYMBOL ID` file (phones.txt, words.txt)."""
    if not Path(path).is_file():
        raise InputError(f"{path}: symbol table does not exist")
    table = {}
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit():
            raise InputError(f"{path}:{n}: expected 'SYMBOL ID', got '{line}'")
        table[fields[0]] = int(fields[1])
    return table


def read_int_list(path: Path) -> List[int]:
    if not Path(path).is_file():
        raise InputError(f"{path}: does not exist")
    return [int(x) for x in Path(path).read_text().split()]


def read_prons(lexicon_txt: Path, word_ids: Dict[str, int], phone_ids: Dict[str, int]) -> Dict[int, List[List[int]]]:
    """lexicon.txt as ids: word id -> its pronunciations (phone ids), for word times."""
    if not Path(lexicon_txt).is_file():
        raise InputError(f"{lexicon_txt}: does not exist")
    prons: Dict[int, List[List[int]]] = {}
    for n, line in enumerate(Path(lexicon_txt).read_text().splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        unknown = ([fields[0]] if fields[0] not in word_ids else []) + [x for x in fields[1:] if x not in phone_ids]
        if unknown:
            raise InputError(f"{lexicon_txt}:{n}: {' '.join(unknown)} not in words.txt/phones.txt")
        prons.setdefault(word_ids[fields[0]], []).append([phone_ids[p] for p in fields[1:]])
    return prons
