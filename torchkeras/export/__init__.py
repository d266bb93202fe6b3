"""Export of models for inference: ONNX files and torch `ExportedProgram`s.

`Model.export()` is the entry point. The modules here are imported only
when a model is exported, so `import torchkeras` does not load torch's
exporters.
"""
