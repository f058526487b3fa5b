"""course_utils.cost on general PyTorch modules: modules and functional ops by formula, and
torchvision models against torch.utils.flop_counter.FlopCounterMode (FLOPs / 2 = MACs)."""
from __future__ import annotations


import pytest

from course_utils import cost


def flop_counter_macs(torch, model, input_shape: tuple[int, ...]) -> int:
    """Independent reference: PyTorch's own FLOP counter on one sample, halved."""
    from torch.utils.flop_counter import FlopCounterMode

    was_training = model.training
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *input_shape))
    model.train(was_training)
    total = counter.get_total_flops()
    assert total % 2 == 0
    return total // 2


def test_conv_family_modules(frameworks):
    torch, _ = frameworks
    from torch import nn

    cases = [  # (module, input shape, MACs by formula)
        (nn.Conv1d(4, 6, 5, stride=2), (4, 30), 13 * 6 * 4 * 5),
        (nn.Conv3d(2, 3, 3, padding=1), (2, 6, 6, 6), 216 * 3 * 2 * 27),
        (nn.Conv2d(8, 12, 3, groups=4), (8, 16, 16), 14 * 14 * 12 * 2 * 9),
        # transposed: input positions x C_in x (C_out / groups) x prod(kernel)
        (nn.ConvTranspose1d(4, 6, 3, stride=2), (4, 7), 7 * 4 * 6 * 3),
        (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2), (4, 5, 5), 25 * 4 * 3 * 9),
        (nn.ConvTranspose3d(2, 4, 2, stride=2), (2, 3, 3, 3), 27 * 2 * 4 * 8),
    ]
    for module, shape, expected in cases:
        assert cost.count_macs(module, shape) == expected == flop_counter_macs(torch, module, shape), module
        table = cost.profile(module, shape)
        assert table.params("trainable") == sum(p.numel() for p in module.parameters())
        assert table.params("weights") == cost.count_params(module, "weights")


class Functional:
    """Factory of a module that computes with functional ops on its own parameters."""

    @staticmethod
    def build(torch):
        from torch import nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.w_conv = nn.Parameter(torch.randn(6, 3, 3, 3))
                self.w_fc = nn.Parameter(torch.randn(10, 6))
                self.w_mat = nn.Parameter(torch.randn(10, 4))
                self.w_bmm = nn.Parameter(torch.randn(1, 4, 5))
                self.bias = nn.Parameter(torch.zeros(5))
                self.conv = nn.Conv2d(6, 6, 1)

            def forward(self, x):                      # x: (N, 3, 8, 8)
                x = self.conv(F.conv2d(x, self.w_conv, padding=1))   # (N, 6, 8, 8)
                x = x.mean(dim=(2, 3))                                 # (N, 6)
                x = F.linear(x, self.w_fc)                             # (N, 10)
                x = x @ self.w_mat                                     # (N, 4)
                x = torch.matmul(x.unsqueeze(1), self.w_bmm)           # (N, 1, 5)
                return torch.addmm(self.bias, x.squeeze(1), torch.eye(5))

        return Net()


def test_functional_ops_counted_exactly_once(frameworks):
    torch, _ = frameworks
    net = Functional.build(torch)
    expected = 64 * 6 * 27 + 64 * 6 * 6 + 6 * 10 + 10 * 4 + 4 * 5 + 5 * 5
    assert cost.count_macs(net, (3, 8, 8)) == expected == flop_counter_macs(torch, net, (3, 8, 8))
    table = cost.profile(net, (3, 8, 8))
    assert table.params("trainable") == sum(p.numel() for p in net.parameters())
    # the parameters used by counted ops are "weights"; the bias added by addmm too
    assert table.params("weights") == table.params("trainable")


def test_linear_on_rank_3_and_shared_module(frameworks):
    torch, _ = frameworks
    from torch import nn

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 4)

        def forward(self, x):                      # x: (N, 5, 6)
            return self.fc(x) + self.fc(x.flip(1))

    net = Twice()
    assert cost.count_macs(net, (5, 6)) == 2 * 5 * 6 * 4 == flop_counter_macs(torch, net, (5, 6))
    assert cost.profile(net, (5, 6)).params("total") == 28   # parameters once


def test_several_inputs_and_bmm(frameworks):
    torch, _ = frameworks
    from torch import nn

    class Scores(nn.Module):
        def forward(self, q, k):                   # q: (N, 5, 4), k: (N, 6, 4)
            return torch.bmm(q, k.transpose(1, 2))

    assert cost.count_macs(Scores(), ((5, 4), (6, 4))) == 5 * 6 * 4


def test_unknown_module_with_a_weight_raises(frameworks):
    torch, _ = frameworks
    from torch import nn

    class Mystery(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(6, 3))

        def forward(self, x):                      # a matrix product written as broadcast + sum
            return (x.unsqueeze(-1) * self.weight).sum(-2)

    net = nn.Sequential(nn.Linear(4, 6), Mystery())
    with pytest.raises(ValueError, match=r"1.*Mystery"):
        cost.count_macs(net, (4,))
    emb = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 2))
    table = cost.profile(emb, (3,), dtype=torch.long)
    assert table.macs == 3 * 4 * 2


@pytest.mark.parametrize("name", ["mobilenet_v2", "mobilenet_v3_small", "resnet18", "shufflenet_v2_x1_0"])
def test_torchvision_models_match_flop_counter(frameworks, name):
    torch, _ = frameworks
    import torchvision

    model = getattr(torchvision.models, name)(weights=None)
    table = cost.profile(model, (3, 224, 224))
    assert table.macs == flop_counter_macs(torch, model, (3, 224, 224))
    n_params = sum(p.numel() for p in model.parameters())
    n_buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))
    assert table.params("trainable") == cost.count_params(model, "trainable") == n_params
    assert table.params("total") == cost.count_params(model, "total") == n_params + n_buffers
    assert table.params("weights") == cost.count_params(model, "weights")
