"""Text models the tests build offline from the shipped MiniLM."""

from __future__ import annotations

from pathlib import Path

from ml_backend import weights

FLAT_DIMENSIONS = 8


def save_flat_model(path: Path) -> Path:
    """A sentence-transformers model saved offline at `path`: the shipped MiniLM plus a Dense layer with zero
    weights and a constant bias, so every text embeds to one and the same FLAT_DIMENSIONS-dimensional vector."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense

    base = weights.load_text_encoder(weights.DEFAULT_TEXT_MODEL)
    dense = Dense(in_features=base.get_embedding_dimension(), out_features=FLAT_DIMENSIONS,
                  activation_function=torch.nn.Identity())
    torch.nn.init.zeros_(dense.linear.weight)
    torch.nn.init.ones_(dense.linear.bias)
    SentenceTransformer(modules=[*base, dense], device="cpu").save(str(path))
    return path
