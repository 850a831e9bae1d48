"""Agreement kinds: one class per family of control tags, each saying how its controls are scored.

A kind (`base.AgreementKind`) matches control tags of a labeling config, parses their results into
values, codes the values as integer columns, defines the similarity of two answers, and computes its
measures, per-label and per-pair figures and consensus: `choices` (single and multiple choice),
`scales` (Rating, Number), `text` (TextArea), `transcripts` (TextArea on Audio: ROVER finals), `regions`
(boxes and spans). `registry.REGISTRY` lists them; the engine iterates it and never asks which kind it
has (`matching_kind`, `kind_of` and `code_ratings` reach them for it).
Names load on first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "AgreementKind": "base",
    "Options": "base",
    "Figures": "base",
    "REGISTRY": "registry",
    "matching_kind": "registry",
    "kind_of": "registry",
    "code_ratings": "registry",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
