"""What a convolution costs: multiply-adds (MACs) and parameters, by formula and by walking a model.

Conventions (the papers' conventions, stated once):

* **MACs** are the multiply-adds of convolution, fully connected and matrix-product layers
  only -- the "Mult-Adds" of the MobileNet paper. BatchNorm, ReLU, pooling, padding,
  softmax, elementwise adds and biases cost nothing here. One MAC = one multiplication + one
  addition (2 FLOPs), so MACs = FLOPs / 2 of ``torch.utils.flop_counter``. A layer called
  twice (a shared layer) costs its MACs twice; its parameters count once.
* **Parameters** come in three conventions (``count_params(model, convention=...)``):

  - ``"weights"``: every parameter of the convolution and fully connected layers (their
    kernels *and* biases), no BatchNorm. MobileNet v1 1.0 has
    3,185,088 conv weights + 1,024,000 FC weights + 1,000 FC biases = 4,210,088 (the
    paper's "4.2M"; its convs have no biases).
  - ``"trainable"``: ``"weights"`` plus every other learnable parameter (BatchNorm gamma
    and beta: 21,888 more in MobileNet v1 1.0, 4,231,976 in all). Counted by role (how each
    variable was created), so freezing layers does not change it. Equals Keras' trainable
    count of an unfrozen model and PyTorch's ``sum(p.numel() for p in model.parameters())``.
  - ``"total"``: ``"trainable"`` plus state that is not learned by gradient descent
    (BatchNorm moving mean and variance, Normalization mean/variance/count; 4,253,864 for
    MobileNet v1 1.0). Equals Keras' ``model.count_params()`` and, in PyTorch, parameters +
    buffers (``num_batches_tracked`` excluded).

:func:`profile` walks any Keras functional or sequential model (nested models included)
call by call, and any ``torch.nn.Module`` by one forward pass that counts each
conv/linear/matmul function call (``nn.Conv2d`` and ``F.conv2d`` alike). A layer or module
that owns a kernel we do not know how to count raises ``ValueError`` instead of counting 0.

Importing this module imports neither TensorFlow nor PyTorch: :func:`profile` recognises a
model by its type and imports the framework's helpers only then.
"""
from __future__ import annotations

from .by_formula import mobilenet_v1_table
from .formulas import (Cost, conv2d_cost, conv_output_size, dense_cost, depthwise_conv_cost,
                       depthwise_conv_macs, depthwise_separable_cost, pointwise_conv_cost,
                       pointwise_conv_macs, separable_conv_macs, separable_ratio, standard_conv_macs)
from .table import CONVENTIONS, KINDS, CostTable, LayerCost
from .walk import compare_tables, count_macs, count_params, profile, profile_builds

__all__ = ["CONVENTIONS", "Cost", "CostTable", "LayerCost", "compare_tables", "conv2d_cost",
           "conv_output_size", "count_macs", "count_params", "dense_cost", "depthwise_conv_cost",
           "depthwise_conv_macs", "depthwise_separable_cost", "mobilenet_v1_table", "pointwise_conv_cost",
           "pointwise_conv_macs", "profile", "profile_builds", "separable_conv_macs", "separable_ratio", "standard_conv_macs"]

