"""What a convolution costs: multiply-adds (MACs) and parameters, by formula and by walking a model.

Conventions (the papers' conventions, stated once):

* **MACs** are the multiply-adds of convolution and fully connected layers only -- the
  "Mult-Adds" of the MobileNet paper. BatchNorm, ReLU, pooling, padding, softmax and
  biases cost nothing here. One MAC = one multiplication + one addition (2 FLOPs).
* **Parameters** come in three conventions (``count_params(model, convention=...)``):

  - ``"weights"``: every parameter of the convolution and fully connected layers (their
    kernels *and* biases), no BatchNorm. This is the papers' count: MobileNet v1 1.0 has
    3,206,976 conv weights + 1,024,000 FC weights + 1,000 FC biases = 4,231,976 ("4.2M").
  - ``"trainable"``: ``"weights"`` plus every other learnable parameter (BatchNorm gamma
    and beta). Counted by role, so freezing layers does not change it. Equals Keras'
    trainable count of an unfrozen model and PyTorch's ``sum(p.numel() for p in model.parameters())``.
  - ``"total"``: ``"trainable"`` plus state that is not learned by gradient descent
    (BatchNorm moving mean and variance). Equals Keras' ``model.count_params()`` and, in
    PyTorch, parameters + buffers (``num_batches_tracked`` excluded).

Importing this module imports neither TensorFlow nor PyTorch: :func:`profile` recognises a
model by its type and imports the framework's helpers only then.
"""
from __future__ import annotations

from .by_formula import mobilenet_v1_table
from .formulas import (Cost, conv2d_cost, conv_output_size, dense_cost, depthwise_conv_cost,
                       depthwise_conv_macs, depthwise_separable_cost, pointwise_conv_cost,
                       pointwise_conv_macs, separable_conv_macs, separable_ratio, standard_conv_macs)
from .table import CONVENTIONS, KINDS, CostTable, LayerCost
from .walk import compare_tables, count_macs, count_params, profile

__all__ = ["CONVENTIONS", "Cost", "CostTable", "LayerCost", "compare_tables", "conv2d_cost",
           "conv_output_size", "count_macs", "count_params", "dense_cost", "depthwise_conv_cost",
           "depthwise_conv_macs", "depthwise_separable_cost", "mobilenet_v1_table", "pointwise_conv_cost",
           "pointwise_conv_macs", "profile", "separable_conv_macs", "separable_ratio", "standard_conv_macs"]

