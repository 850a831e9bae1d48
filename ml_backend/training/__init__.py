"""Detector training: fine-tuning on annotators' boxes, synthetic shapes, the shipped detector and its evaluation."""
