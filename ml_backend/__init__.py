"""labelops ML backend for Label Studio (label-studio-ml protocol).

The model registry, server entry point and training loop land with the ML-backend issue; this
package is installed now so the CLI and packaging have their final shape.
"""
