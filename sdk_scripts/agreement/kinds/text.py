"""TextArea: free text, compared by edit distance and by meaning.

Similarity of two answers: 1 - normalised character edit distance (rapidfuzz). Measures: that similarity
(the task score), the same over words, and the semantic similarity: the cosine of the texts' MiniLM
sentence embeddings (`semantic`; None with a note without the `[backend]` extra or with --no-semantic).
Finals: the medoid, the answer with the highest summed similarity to the others', as its annotator wrote it
(a tie: the most confident annotator's of the tied ones): free text is kept as one annotator wrote it whole.
Transcripts (TextArea on Audio, `transcripts`) are voted word by word with ROVER instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rapidfuzz.distance import Levenshtein

from sdk_scripts.agreement import semantic
from sdk_scripts.agreement.coded import Coded, Scored, by_task
from sdk_scripts.agreement.finals import CONSENSUS, REPRESENTATIVE, Answers, Final, FinalOptions
from sdk_scripts.agreement.kinds.base import AgreementKind, Figures, Options
from sdk_scripts.agreement.measures import mean_of_defined, mean_pairwise
from sdk_scripts.agreement.report import Problem
from sdk_scripts.agreement.results import Where, values_of


def _edit_similarity(a: Any, b: Any) -> float:
    return 1.0 - Levenshtein.normalized_distance(a, b)


class TextArea(AgreementKind):
    name = "text"
    tags = "TextArea"
    value_key = "text"
    measures = ("char_similarity", "word_similarity", "semantic_similarity")

    @classmethod
    def is_control_matched(cls, control: Any, interface: Any) -> bool:
        return control.tag == "TextArea"

    def parse(self, regions: list[dict], where: Where, problems: list[Problem]) -> str | None:
        """The texts of the regions, one per line."""
        texts: list[str] = []
        for value in values_of(regions, where, self.spec.name, problems):
            text = value.get("text")
            text = [text] if isinstance(text, str) else text
            if text is None:
                continue
            if not isinstance(text, list) or not all(isinstance(t, str) for t in text):
                problems.append(where.problem("text is not a list of strings; ignored", self.spec.name))
                continue
            texts += text
        return "\n".join(texts) if texts else None

    def similarity(self, span: float, box_threshold: float) -> Callable[[Any, Any], float]:
        return _edit_similarity

    def figures(self, coded: Coded, scored: Scored, options: Options) -> Figures:
        figures = Figures()
        words = [mean_pairwise([v.split() for v in values.values()], _edit_similarity)
                 for values in by_task(coded, scored.scored).values()]
        figures.measures["char_similarity"] = scored.mean_task_score()
        figures.measures["word_similarity"] = mean_of_defined(words)
        if options.semantic:
            figures.measures["semantic_similarity"] = self._semantic(coded, scored, figures.notes, options.seed)
        else:
            figures.measures["semantic_similarity"] = None
            figures.notes.append(f"{self.spec.name}: semantic_similarity not computed (--no-semantic)")
        return figures

    def _semantic(self, coded: Coded, scored: Scored, notes: list[str], seed: int) -> float | None:
        """Mean cosine similarity of the annotators' texts in MiniLM embeddings (`semantic`), or None with a note
        where the model is not installed; on a seeded sample of tasks past `semantic.MAX_TEXTS` texts."""
        if len(scored.pair_i) == 0:
            return None
        try:
            encode = semantic.load_encoder()
        except semantic.NoModel as exc:
            notes.append(f"{self.spec.name}: semantic_similarity not computed: {exc}")
            return None
        units = semantic.sample_units(scored.scored, coded.ratings_per_unit(), semantic.MAX_TEXTS, seed)
        if units is not scored.scored:
            notes.append(f"{self.spec.name}: semantic_similarity on a random sample of {int(units.sum()):,} of "
                         f"{int(scored.scored.sum()):,} tasks (seed {seed}): at most {semantic.MAX_TEXTS:,} texts "
                         "are embedded")
        keep = units[coded.unit[scored.pair_i]]
        return semantic.mean_cosine(encode, coded.values, coded.unit, scored.pair_i[keep], scored.pair_j[keep],
                                    coded.n_units)

    def finals(self, answers: Answers, options: FinalOptions) -> dict[int, Final]:
        """The medoid by edit similarity (see the module docstring)."""
        values, out = answers.coded.values, {}
        for unit in answers.rated_units():
            rows = list(answers.rows(unit))
            totals = [sum(_edit_similarity(values[r], values[o]) for o in rows if o != r) for r in rows]
            best = [r for r, total in zip(rows, totals, strict=True) if total >= max(totals) - 1e-9]
            rule = CONSENSUS if len(best) == 1 else REPRESENTATIVE
            out[unit] = Final(answers.regions[answers.lead(best)], "medoid", rule)
        return out
