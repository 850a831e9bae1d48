"""The final dataset in the formats models train on, through label-studio-sdk's converter where it has them.

`export_dataset` (`export`) writes one format; `REGISTRY`, `fitting` and `writer_for` (`registry`) say which
formats exist and which fit a labeling config; `Dataset` and `ExportOptions` (`base`) are what a writer
reads. One module per format: `jsonl`, `yolo`, `coco`, `voc`, `conll2003`, `hf`, `csvfile`. Names load on
first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "export_dataset": "export",
    "dataset_of": "export",
    "ExportResult": "export",
    "REGISTRY": "registry",
    "fitting": "registry",
    "writer_for": "registry",
    "Dataset": "base",
    "ExportOptions": "base",
    "LeftOut": "base",
    "WriteSummary": "base",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
