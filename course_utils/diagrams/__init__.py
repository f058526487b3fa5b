"""Diagrams drawn in code with matplotlib (licence-clean, and a learner can read how).

One module per topic: ``convolutions`` (standard / depthwise / pointwise, the MobileNet
blocks) and ``classical`` (the HOG cell/block layout, the cascade's flow). Each function
takes an optional ``ax`` and returns the matplotlib ``Axes`` it drew on.
"""
