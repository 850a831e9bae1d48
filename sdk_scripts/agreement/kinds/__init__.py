"""Agreement kinds: one class per family of control tags, each saying how its controls are scored.

A kind (`base.AgreementKind`) matches control tags of a labeling config, parses their results into
values, codes the values as integer columns, defines the similarity of two answers, and computes its
measures, per-label and per-pair figures and consensus: `choices` (single and multiple choice),
`scales` (Rating, Number), `text` (TextArea), `regions` (boxes and spans). `registry.REGISTRY` lists
them; the engine iterates it and never asks which kind it has.
"""
