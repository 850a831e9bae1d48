"""A Whisper checkpoint from a local directory (ASR_MODEL_PATH): loaded offline, transcribing 16 kHz clips.

The directory is what `save_pretrained` writes for `WhisperForConditionalGeneration` and `WhisperProcessor`
(config.json, generation_config.json, the weights, the tokenizer and the feature extractor's files), e.g. a
copy of `openai/whisper-small` a user brought; nothing is downloaded (`local_files_only`, the offline env).
Decoding is greedy; each token keeps its log-probability under the model (a logits processor records it per step),
from which the control scores the transcript.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# generation is serialised per process (one model call at a time uses all TORCH_THREADS)
_generate_lock = threading.Lock()
_HASHED_WHOLE = 10_000_000  # files up to this size are hashed whole; larger ones by size, head and tail
_EDGE = 1 << 20


@dataclass
class SpeechModel:
    """A loaded Whisper checkpoint and what serving it needs to know."""

    model: Any
    processor: Any
    tag: str
    multilingual: bool
    languages: frozenset[str] = field(default_factory=frozenset)

    @property
    def sampling_rate(self) -> int:
        return int(self.processor.feature_extractor.sampling_rate)

    @property
    def window_samples(self) -> int:
        """Samples the model hears at once (Whisper: 30 s); longer clips are cut into windows this long."""
        return int(self.processor.feature_extractor.n_samples)


@dataclass
class Transcript:
    """One window's text and the log-probability of each token the model chose (end-of-text included)."""

    text: str
    logprobs: list[float]


def checkpoint_tag(path: str) -> str:
    """`<directory name>-<8 hex>` of a checkpoint: a digest of its files (small ones whole, weights by size,
    first and last MiB), stable across processes; another checkpoint, another tag."""
    root = Path(path)
    digest = hashlib.sha1()
    for file in sorted(p for p in root.iterdir() if p.is_file()):
        size = file.stat().st_size
        digest.update(f"{file.name}\0{size}\0".encode())
        with file.open("rb") as fh:
            if size <= _HASHED_WHOLE:
                digest.update(fh.read())
            else:
                digest.update(fh.read(_EDGE))
                fh.seek(size - _EDGE)
                digest.update(fh.read(_EDGE))
    stem = re.sub(r"[^A-Za-z0-9]+", "-", root.resolve().name).strip("-")[:24] or "asr"
    return f"{stem}-{digest.hexdigest()[:8]}"


def _whisper_config(root: Path) -> None:
    """Raise ValueError unless `root` holds a Whisper config (another architecture would load half-random)."""
    if not root.is_dir():
        raise ValueError("not a directory")
    config = root / "config.json"
    if not config.is_file():
        raise ValueError("no config.json (give the directory `save_pretrained` wrote)")
    try:
        model_type = json.loads(config.read_text(encoding="utf-8")).get("model_type")
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"config.json does not parse ({exc})") from None
    if model_type != "whisper":
        raise ValueError(f"config.json is a {model_type!r} model, not a Whisper checkpoint")


def load_whisper(path: str) -> SpeechModel:
    """The Whisper checkpoint in directory `path`, on CPU, from local files only (ValueError with the reason)."""
    from ml_backend.offline import configure_offline

    root = Path(path).expanduser()
    _whisper_config(root)
    configure_offline()
    from transformers import WhisperForConditionalGeneration, WhisperProcessor
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        processor = WhisperProcessor.from_pretrained(str(root), local_files_only=True)
        model, info = WhisperForConditionalGeneration.from_pretrained(str(root), local_files_only=True,
                                                                      output_loading_info=True)
    except Exception as exc:  # OSError (missing files), safetensors / JSON errors on damaged ones
        raise ValueError(f"cannot load it ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from None
    missing = sorted(info.get("missing_keys") or ())
    if missing:
        raise ValueError(f"its weights lack {len(missing)} tensors ({', '.join(missing[:3])} ...)")
    generation = model.generation_config
    eos = generation.eos_token_id[0] if isinstance(generation.eos_token_id, list) else generation.eos_token_id
    tokenizer = processor.tokenizer
    if tokenizer.eos_token_id != eos or len(tokenizer) <= max(eos or 0, generation.decoder_start_token_id or 0):
        raise ValueError(f"its tokenizer does not fit the model ({len(tokenizer)} tokens, end-of-text "
                         f"{tokenizer.eos_token_id}; the model's end-of-text is {eos}): tokenizer files missing?")
    return SpeechModel(model=model.eval(), processor=processor, tag=checkpoint_tag(str(root)),
                       multilingual=bool(getattr(generation, "is_multilingual", False)),
                       languages=frozenset(getattr(generation, "lang_to_id", None) or {}))


def language_token(speech: SpeechModel, language: str) -> str:
    """The checkpoint's token for `language` (`de` or `<|de|>`); ValueError when it has none."""
    if not speech.multilingual:
        raise ValueError("the checkpoint is English-only (no language to choose)")
    token = language if language.startswith("<|") else f"<|{language.lower()}|>"
    if token not in speech.languages:
        raise ValueError(f"the checkpoint has no language {language!r}")
    return token


def kept_tokens(tokens: list[int], logprobs: list[float], eos: int) -> tuple[list[int], list[float]]:
    """The generated tokens up to and including the first end-of-text (what follows is padding)."""
    end = tokens.index(eos) + 1 if eos in tokens else len(tokens)
    return tokens[:end], [float(v) for v in logprobs[:end]]


def _chosen_logprobs():  # -> a transformers LogitsProcessor with `steps`
    """A logits processor, run last, that keeps per decoding step the log-probability of the token greedy decoding
    picks (the largest of the final scores; what `compute_transition_scores(..., normalize_logits=True)` gives
    from `output_scores`, without holding every step's full vocabulary scores)."""
    import torch
    from transformers import LogitsProcessor

    class ChosenLogProb(LogitsProcessor):
        def __init__(self) -> None:
            self.steps: list[torch.Tensor] = []

        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
            self.steps.append(torch.log_softmax(scores.float(), dim=-1).max(dim=-1).values)
            return scores

    return ChosenLogProb()


def transcribe(speech: SpeechModel, clips: list[np.ndarray], language: str = "", threads: int = 0
               ) -> list[Transcript]:
    """One transcript per clip (mono float32 at `sampling_rate`, at most one window long), in one model call."""
    import torch
    from transformers import LogitsProcessorList

    model, processor = speech.model, speech.processor
    features = processor.feature_extractor(clips, sampling_rate=speech.sampling_rate, return_tensors="pt")
    options: dict[str, Any] = {"num_beams": 1, "do_sample": False}
    if speech.multilingual:
        options["task"] = "transcribe"
        if language:
            options["language"] = language_token(speech, language)
    recorder = _chosen_logprobs()
    wanted = threads or os.cpu_count() or 1
    with _generate_lock, torch.inference_mode():
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)
        out = model.generate(features.input_features, return_dict_in_generate=True,
                             logits_processor=LogitsProcessorList([recorder]), **options)
    steps = torch.stack(recorder.steps, dim=1) if recorder.steps else torch.zeros((len(clips), 0))
    # the sequences start with the prompt (start of transcript, language, task, no timestamps): steps are the tail
    generated = out.sequences[:, out.sequences.shape[1] - steps.shape[1]:]
    eos = model.generation_config.eos_token_id
    eos = eos[0] if isinstance(eos, list) else eos
    transcripts = []
    for tokens, logprobs in zip(generated.tolist(), steps.tolist(), strict=True):
        tokens, logprobs = kept_tokens(tokens, logprobs, eos)
        text = processor.tokenizer.decode(tokens, skip_special_tokens=True).strip()
        transcripts.append(Transcript(text=text, logprobs=logprobs))
    return transcripts
