"""Small nn.Module helpers that exported files include when they need them.

PyTorch has no module for a residual sum, a branch concatenation or a permutation, and its
recurrent and attention modules return tuples; each helper here is the few lines a user would
write by hand. Only the helpers a model uses are written into its file.
"""

from __future__ import annotations

_FOLD = '''
class {name}(nn.Module):
    """{doc}"""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.branches[0](x)
        for branch in self.branches[1:]:
            out = out {op} branch(x)
        return out
'''

HELPERS: dict[str, str] = {
    "AddBranches": _FOLD.format(
        name="AddBranches", op="+", doc="The sum of parallel branches applied to the same input."
    ),
    "MultiplyBranches": _FOLD.format(
        name="MultiplyBranches",
        op="*",
        doc="The element-wise product (with broadcasting) of parallel branches applied to the same input.",
    ),
    "Residual": '''
class Residual(nn.Module):
    """body(x) + shortcut(x); the shortcut is the identity unless given."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)
''',
    "ConcatBranches": '''
class ConcatBranches(nn.Module):
    """Parallel branches concatenated on `dim`; with crop, larger outputs are centre-cropped to the smallest."""

    def __init__(self, *branches: nn.Module, dim: int = 1, crop: bool = False) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)
        self.dim = dim
        self.crop = crop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [branch(x) for branch in self.branches]
        if self.crop:
            dim = self.dim % outs[0].dim()
            for axis in range(1, outs[0].dim()):
                if axis != dim:
                    size = min(out.shape[axis] for out in outs)
                    outs = [out.narrow(axis, (out.shape[axis] - size) // 2, size) for out in outs]
        return torch.cat(outs, dim=self.dim)
''',
    "Permute": '''
class Permute(nn.Module):
    """Reorders the dimensions of each sample (the batch dimension stays first)."""

    def __init__(self, *dims: int) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, *self.dims)
''',
    "SeparableConv2d": '''
class SeparableConv2d(nn.Module):
    """Keras' SeparableConv2D: a depthwise convolution without bias, then a 1×1 pointwise convolution."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        depth_multiplier: int = 1,
        bias: bool = True,
        **kwargs,
    ) -> None:
        super().__init__()
        middle = in_channels * depth_multiplier
        self.depthwise = nn.Conv2d(in_channels, middle, kernel_size, groups=in_channels, bias=False, **kwargs)
        self.pointwise = nn.Conv2d(middle, out_channels, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))
''',
    "ScaleShift": '''
class ScaleShift(nn.Module):
    """Keras' BatchNormalization with only one of scale (γ) and center (β): a BatchNorm without
    affine parameters, then the learned γ or β per channel."""

    def __init__(self, norm: nn.Module, num_features: int, scale: bool, center: bool) -> None:
        super().__init__()
        self.norm = norm
        self.weight = nn.Parameter(torch.ones(num_features)) if scale else None
        self.bias = nn.Parameter(torch.zeros(num_features)) if center else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        per_channel = (1, -1) + (1,) * (x.dim() - 2)
        if self.weight is not None:
            x = x * self.weight.view(per_channel)
        if self.bias is not None:
            x = x + self.bias.view(per_channel)
        return x
''',
    "SelfAttention": '''
class SelfAttention(nn.MultiheadAttention):
    """nn.MultiheadAttention as self-attention on batch-first input: query = key = value = x."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, batch_first=True, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = super().forward(x, x, x, need_weights=False)
        return out
''',
    "frozen": '''
def frozen(module: nn.Module) -> nn.Module:
    """The module with its parameters excluded from training (`trainable: false`)."""
    module.requires_grad_(False)
    return module
''',
}

_RECURRENT = '''
class Sequence{kind}(nn.{kind}):
    """nn.{kind} on batch-first input returning its output sequence, or only the last step (last_step)."""

    def __init__(self, *args, last_step: bool = False, **kwargs) -> None:
        super().__init__(*args, batch_first=True, **kwargs)
        self.last_step = last_step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = super().forward(x)
        return out[:, -1] if self.last_step else out
'''
for _kind in ("RNN", "LSTM", "GRU"):
    HELPERS[f"Sequence{_kind}"] = _RECURRENT.format(kind=_kind)
