"""Lesson 08, on-device deployment: export (TensorFlow Lite, ONNX), measure, budget, play.

Modules: :mod:`.tflite` (Keras -> ``.tflite`` in four precisions, ai-edge-litert runner),
:mod:`.onnx_export` (torch -> one ``.onnx`` file, onnxruntime runner), :mod:`.onnx_quantize`
(static int8 quantization of an ``.onnx`` file with onnxruntime), :mod:`.measure` (size,
batch-1 latency, GFLOP/s, share of the machine's compute ceiling, accuracy, agreement), :mod:`.budgets`
(30 fps, app size, energy per inference), :mod:`.game` and :mod:`.game_widget`
(rock / paper / scissors). Importing this package imports no framework.
"""
