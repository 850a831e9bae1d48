"""A tiny randomly-initialised Whisper saved like a real checkpoint, and audio files made with numpy (tests only).

The model has Whisper's architecture and files (config, generation config, safetensors weights, a byte-level
BPE tokenizer with Whisper's special tokens, the 80-bin feature extractor) at toy sizes, so the backend loads
it exactly as it loads `openai/whisper-*`; what it transcribes is noise. Nothing is downloaded.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

SPECIAL_TOKENS = ("<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|de|>", "<|transcribe|>", "<|translate|>",
                  "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>")
MAX_TOKENS = 12


def save_tiny_whisper(directory: Path, *, multilingual: bool = False, seed: int = 0) -> Path:
    """Write a toy Whisper checkpoint to `directory` (about 0.2 MB, well under a second); returns it."""
    import torch
    import transformers as hf
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    # GPT-2's byte-level alphabet as the whole vocabulary (no merges): any text encodes, every token decodes
    vocab = {char: i for i, char in enumerate(bytes_to_unicode().values())}
    tokenizer = hf.WhisperTokenizer(vocab=vocab, merges=[])
    tokenizer.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS[1:])})
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    eot, sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    processor = hf.WhisperProcessor(feature_extractor=hf.WhisperFeatureExtractor(feature_size=80), tokenizer=tokenizer)
    torch.manual_seed(seed)
    config = hf.WhisperConfig(vocab_size=len(tokenizer), num_mel_bins=80, d_model=16, encoder_layers=1,
                           decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
                           encoder_ffn_dim=32, decoder_ffn_dim=32, max_source_positions=1500,
                           max_target_positions=MAX_TOKENS + 8, decoder_start_token_id=sot, eos_token_id=eot,
                           pad_token_id=eot, bos_token_id=eot)
    model = hf.WhisperForConditionalGeneration(config)
    # like a real checkpoint's: special tokens other than end-of-text are never transcribed; an English-only
    # checkpoint has no language or task tokens to choose
    multilingual_only = {"lang_to_id": {"<|en|>": ids["<|en|>"], "<|de|>": ids["<|de|>"]},
                         "task_to_id": {"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]}}
    model.generation_config = hf.GenerationConfig(
        decoder_start_token_id=sot, eos_token_id=eot, pad_token_id=eot, bos_token_id=eot,
        no_timestamps_token_id=ids["<|notimestamps|>"], max_length=MAX_TOKENS, is_multilingual=multilingual,
        begin_suppress_tokens=[], suppress_tokens=[ids[t] for t in SPECIAL_TOKENS[1:]],
        **(multilingual_only if multilingual else {}))
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory


def tone(seconds: float, rate: int = 16_000, hz: float = 440.0, channels: int = 1) -> np.ndarray:
    """A sine tone (float32, frames x channels)."""
    t = np.arange(int(seconds * rate)) / rate
    wave = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.repeat(wave[:, None], channels, axis=1)


def noise(seconds: float, rate: int = 16_000, seed: int = 0) -> np.ndarray:
    """White noise (float32, frames x 1)."""
    return np.random.default_rng(seed).normal(0, 0.1, (int(seconds * rate), 1)).astype(np.float32)


def audio_bytes(samples: np.ndarray, rate: int = 16_000, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    """`samples` as a WAV / FLAC / OGG file's bytes (soundfile; 16-bit PCM unless `subtype` says otherwise)."""
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()
