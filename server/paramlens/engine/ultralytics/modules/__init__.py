"""The Ultralytics modules that model files name, registered in the registry's second table.

Importing this package registers them (the command line imports it only for an Ultralytics file).
Each entry: the YAML arguments a row writes (for docs, completion and the arity check), the branch of
``parse_model`` that rewrites them, the builder, and the class path Ultralytics prints.
"""

from __future__ import annotations

from ...registry import REQUIRED, Arg, Module, register_module
from . import block, conv, head, transformer

_P = "ultralytics.nn.modules."


def _a(name: str, default: object = REQUIRED, doc: str = "", type: str = "int") -> Arg:
    return Arg(name, type, default, doc)  # type: ignore[arg-type]


C2 = _a("c2", doc="Output channels, before the width multiplier (scaled: ⌈min(c2, max_channels) × width / 8⌉ × 8).")
K = _a("k", 1, "Kernel size.")
S = _a("s", 1, "Stride.")
SHORTCUT = _a("shortcut", True, "Add the input to the output (when the widths agree).", "bool")
G = _a("g", 1, "Groups of the 3×3 convolutions.")
E = _a("e", 0.5, "Expansion: the hidden width is int(c2 × e).", "float")

_TABLE: list[tuple[str, str, str, tuple[Arg, ...], object, str, str]] = [
    # name, branch, file, YAML args, builder, doc, formula
    ("Conv", "base", "conv", (C2, K, S, _a("p", None, "Padding (None: same)."), _a("g", 1, "Groups."),
     _a("d", 1, "Dilation."), _a("act", True, "Activation: True is the model's default.", "bool")), conv.Conv,
     "Convolution, batch norm and activation: Conv2d(c1, c2, k, s, autopad, bias=False) + BatchNorm2d + SiLU.",
     "k_h·k_w·c1/g·c2 + 2·c2"),
    ("DWConv", "base", "conv", (C2, K, S, _a("d", 1, "Dilation."), _a("act", True, "Activation.", "bool")),
     conv.DWConv, "Depth-wise Conv: groups = gcd(c1, c2).", "k²·c1·c2/gcd(c1, c2) + 2·c2"),
    ("GhostConv", "base", "conv", (C2, K, S, _a("g", 1, "Groups."), _a("act", True, "Activation.", "bool")),
     conv.GhostConv, "Ghost convolution: a Conv to c2/2 channels and a cheap 5×5 depth-wise Conv of them, "
     "concatenated.", "h·c1/g·k² + 2h + 25h + 2h, h = c2 // 2"),
    ("Focus", "base", "conv", (C2, K, S, _a("p", None), _a("g", 1), _a("act", True, type="bool")), conv.Focus,
     "Space-to-depth (4·c1 channels at half the size), then a Conv.", "k²·4c1·c2 + 2·c2"),
    ("ConvTranspose", "base", "conv", (C2, _a("k", 2), _a("s", 2), _a("p", 0), _a("bn", True, type="bool"),
     _a("act", True, type="bool")), conv.ConvTranspose, "Transposed convolution, batch norm and activation.",
     "c1·c2·k² + 2·c2"),
    ("DWConvTranspose2d", "base", "conv", (C2, K, S, _a("p1", 0), _a("p2", 0)), conv.DWConvTranspose2d,
     "Depth-wise transposed convolution (groups = gcd(c1, c2)).", ""),
    ("Bottleneck", "base", "block", (C2, SHORTCUT, G, _a("k", (3, 3), "Kernels of its two Convs."), E),
     block.Bottleneck, "Two Convs (k[0], then k[1]) with a residual when shortcut and c1 == c2.",
     "CBS(c1, h, k0) + CBS(h, c2, k1), h = int(c2·e)"),
    ("GhostBottleneck", "base", "block", (C2, _a("k", 3), S), block.GhostBottleneck,
     "Two GhostConvs, with a depth-wise stride-2 path when s == 2.", ""),
    ("SPP", "base", "block", (C2, _a("k", (5, 9, 13), "Max-pool kernels.")), block.SPP,
     "Spatial pyramid pooling: a 1×1 Conv, max pools of several sizes, concatenated, a 1×1 Conv.", ""),
    ("SPPF", "base", "block", (C2, _a("k", 5, "Max-pool kernel."), _a("n", 3, "Pools in a row."),
     _a("shortcut", False, type="bool")), block.SPPF,
     "Fast SPP: a 1×1 Conv, n max pools in a row, their concatenation, a 1×1 Conv.",
     "CBS(c1, c1/2, 1) + CBS(c1/2·(n+1), c2, 1)"),
    ("C1", "repeat", "block", (C2,), block.C1, "A 1×1 Conv then n 3×3 Convs, with a residual.", ""),
    ("C2", "repeat", "block", (C2, SHORTCUT, G, E), block.C2, "CSP bottleneck with 2 convolutions.", ""),
    ("C2f", "repeat", "block", (C2, _a("shortcut", False, type="bool"), G, E), block.C2f,
     "YOLOv8's CSP block: cv1 splits 2c channels in two, n bottlenecks on the second half, every output "
     "concatenated into cv2.", "CBS(c1, 2c, 1) + CBS((2+n)·c, c2, 1) + n·[CBS(c, c, 3) + CBS(c, c, 3)], c = int(c2·e)"),
    ("C3", "repeat", "block", (C2, SHORTCUT, G, E), block.C3,
     "YOLOv5's CSP block with 3 convolutions.", "2·CBS(c1, h, 1) + CBS(2h, c2, 1) + n·[CBS(h, h, 1) + CBS(h, h, 3)]"),
    ("C3x", "repeat", "block", (C2, SHORTCUT, G, E), block.C3x, "C3 with cross (1×3, 3×1) bottlenecks.", ""),
    ("C3Ghost", "repeat", "block", (C2, SHORTCUT, G, E), block.C3Ghost, "C3 with Ghost bottlenecks.", ""),
    ("RepC3", "repeat", "block", (C2, _a("e", 1.0, type="float")), block.RepC3, "C3 with RepConvs (RT-DETR).", ""),
    ("C3k2", "repeat", "block", (C2, _a("c3k", False, "Use C3k blocks (forced at scales m, l, x).", "bool"), E,
     _a("attn", False, type="bool"), G, SHORTCUT), block.C3k2,
     "YOLO11's C2f with Bottleneck (or C3k at m/l/x) blocks.", "CBS(c1, 2c, 1) + CBS((2+n)·c, c2, 1) + n·block"),
    ("C2PSA", "repeat", "block", (C2, E), block.C2PSA,
     "C2 with position-sensitive attention blocks; keeps its width (c1 must equal c2).", ""),
    ("C2fPSA", "repeat", "block", (C2, E), block.C2fPSA, "C2f with PSA blocks; c1 must equal c2.", ""),
    ("PSA", "base", "block", (C2, E), block.PSA, "Position-sensitive attention (YOLOv10); c1 must equal c2.", ""),
    ("RepNCSPELAN4", "base", "block", (C2, _a("c3", doc="Hidden width (not scaled)."),
     _a("c4", doc="Inner width (not scaled)."), _a("n", 1, "RepCSP repeats.")), block.RepNCSPELAN4,
     "YOLOv9's CSP-ELAN block.", ""),
    ("ELAN1", "base", "block", (C2, _a("c3"), _a("c4")), block.ELAN1, "YOLOv9's ELAN block (t/s).", ""),
    ("AConv", "base", "block", (C2,), block.AConv, "Average pool, then a 3×3 stride-2 Conv (YOLOv9).", ""),
    ("ADown", "base", "block", (C2,), block.ADown,
     "YOLOv9's downsampling: the input split in two halves (even channels needed).", ""),
    ("SPPELAN", "base", "block", (C2, _a("c3", doc="Hidden width (not scaled)."), _a("k", 5)), block.SPPELAN,
     "SPP with ELAN (YOLOv9).", ""),
    ("SCDown", "base", "block", (C2, _a("k", doc="Kernel."), _a("s", doc="Stride.")), block.SCDown,
     "YOLOv10's spatial-channel decoupled downsampling.", ""),
    ("C2fCIB", "repeat", "block", (C2, _a("shortcut", False, type="bool"), _a("lk", False, type="bool"), G, E),
     block.C2fCIB, "YOLOv10's C2f with compact inverted blocks.", ""),
    ("A2C2f", "repeat", "block", (C2, _a("a2", True, type="bool"), _a("area", 1), _a("residual", False, type="bool"),
     _a("mlp_ratio", 2.0, type="float"), E, G, SHORTCUT), block.A2C2f,
     "YOLO12's area-attention C2f; int(c2·e) must be a multiple of 32.", ""),
    ("C2fAttn", "repeat", "block", (C2, _a("ec", 128), _a("nh", 1), _a("gc", 512), _a("shortcut", False, type="bool"),
     G, E), block.C2fAttn, "YOLO-World's C2f with max-sigmoid text attention.", ""),
    ("ImagePoolingAttn", "insert_ch", "block", (_a("ec", 256), _a("ct", 512), _a("nh", 8), _a("k", 3),
     _a("scale", False, type="bool")), block.ImagePoolingAttn, "YOLO-World's image-pooling attention.", ""),
    ("HGStem", "hg", "block", (_a("cm", doc="Middle width."), C2), block.HGStem, "PP-HGNetV2's stem (H/4).", ""),
    ("HGBlock", "hg", "block", (_a("cm"), C2, _a("k", 3), _a("lightconv", False, type="bool"),
     _a("shortcut", False, type="bool")), block.HGBlock, "PP-HGNetV2's block; n is its number of convolutions.", ""),
    ("ResNetLayer", "resnet", "block", (_a("c1", doc="Input width, written in the file."), C2, S,
     _a("is_first", False, type="bool"), _a("n", 1), _a("e", 4)), block.ResNetLayer,
     "A ResNet stage (output 4·c2, or c2 for the first).", ""),
    ("CBLinear", "cblinear", "block", (_a("c2s", doc="The output widths (a list)."), K, S, _a("p", None), G),
     block.CBLinear, "YOLOv9-E's linear split: one 1×1 conv with bias into several outputs.", ""),
    ("CBFuse", "cbfuse", "block", (_a("idx", doc="Which output of each CBLinear to take."),), None,
     "YOLOv9-E's fusion: resized CBLinear outputs added to the last input.", "0"),
    ("Concat", "concat", "conv", (_a("dimension", 1, "The dimension (1: channels)."),), None,
     "Concatenates the `from` rows along the channels; no parameters.", "0"),
    ("AIFI", "aifi", "transformer", (_a("cm", 2048, "Feed-forward width."), _a("num_heads", 8)), transformer.AIFI,
     "RT-DETR's attention-based intra-scale feature interaction (a transformer encoder layer).", ""),
    ("Detect", "detect", "head", (_a("nc", 80, "Classes."),), head.Detect,
     "The detection head: per level a box branch (4·reg_max) and a class branch, and DFL.", ""),
    ("Segment", "detect", "head", (_a("nc", 80), _a("nm", 32, "Masks."), _a("npr", 256, "Prototype width (scaled).")),
     head.Segment, "Detect plus mask coefficients and a prototype net.", ""),
    ("Segment26", "detect", "head", (_a("nc", 80), _a("nm", 32), _a("npr", 256)), head.Segment26,
     "YOLO26's segmentation head.", ""),
    ("Pose", "detect", "head", (_a("nc", 80), _a("kpt_shape", (17, 3), "Keypoints and their dims.")), head.Pose,
     "Detect plus keypoints.", ""),
    ("Pose26", "detect", "head", (_a("nc", 80), _a("kpt_shape", (17, 3))), head.Pose26, "YOLO26's pose head.", ""),
    ("OBB", "detect", "head", (_a("nc", 80), _a("ne", 1, "Extra parameters (the angle).")), head.OBB,
     "Detect plus rotation angles.", ""),
    ("OBB26", "detect", "head", (_a("nc", 80), _a("ne", 1)), head.OBB26, "YOLO26's oriented-box head.", ""),
    ("v10Detect", "append_ch", "head", (_a("nc", 80),), head.v10Detect,
     "YOLOv10's NMS-free head: one-to-many and one-to-one branches.", ""),
    ("Classify", "base", "head", (_a("c2", doc="Classes (not width-scaled)."), K, S, _a("p", None), G),
     head.Classify, "Classification head: Conv to 1280, pool, dropout, Linear.", "CBS(c1, 1280, k) + 1280·nc + nc"),
    ("RTDETRDecoder", "insert_ch", "head", (_a("nc", 80), _a("hd", 256), _a("nq", 300), _a("ndp", 4), _a("nh", 8),
     _a("ndl", 6), _a("d_ffn", 1024)), transformer.RTDETRDecoder, "RT-DETR's deformable transformer decoder.", ""),
    ("C3TR", "repeat", "block", (C2, SHORTCUT, G, E), block.C3TR, "C3 with a transformer block.", ""),
    ("BottleneckCSP", "repeat", "block", (C2, SHORTCUT, G, E), block.BottleneckCSP, "CSP bottleneck (YOLOv4).", ""),
    # known to tasks.py, not counted yet: a row naming them gives params null and `unsupported-module`
    ("WorldDetect", "detect", "head", (_a("nc", 80), _a("embed", 512), _a("with_bn", False, type="bool")),
     head.WorldDetect,
     "YOLO-World's head.", ""),
    ("YOLOEDetect", "detect", "head", (_a("nc", 80), _a("embed", 512), _a("with_bn", True, type="bool")),
     head.YOLOEDetect,
     "YOLOE's head.", ""),
    ("YOLOESegment", "detect", "head", (_a("nc", 80), _a("nm", 32), _a("npr", 256), _a("embed", 512),
     _a("with_bn", True, type="bool")), head.YOLOESegment, "YOLOE's segmentation head.", ""),
    ("YOLOESegment26", "detect", "head", (_a("nc", 80), _a("nm", 32), _a("npr", 256), _a("embed", 512),
     _a("with_bn", True, type="bool")), head.YOLOESegment26, "YOLOE-26's segmentation head.",
     ""),
    ("SemanticSegment", "append_ch", "head", (_a("nc", 19),), head.SemanticSegment,
     "YOLO26's semantic segmentation head.", ""),
    ("Depth", "depth", "head", (_a("c_mid", 256),), head.Depth, "YOLO26's depth head.", ""),
    ("TorchVision", "torchvision", "block", (_a("c2", doc="Its output width, declared."), _a("model", type="choice"),
     _a("weights", "DEFAULT", type="choice"), _a("unwrap", True, type="bool"), _a("truncate", 2),
     _a("split", False, type="bool")), block.TorchVision, "A torchvision model as a backbone (counted by torchvision).",
     ""),
    ("Index", "torchvision", "conv", (_a("c2", doc="The picked tensor's width, declared."),
     _a("index", 0, "Which tensor of the input list.")), conv.Index,
     "Picks one output of a list (a TorchVision row with split=True); no parameters.", "0"),
    ("Conv2", "verbatim", "conv", (_a("c1", doc="Input width, written in the file (not scaled)."),
     _a("c2", doc="Output width, written in the file (not scaled)."), _a("k", 3), S, _a("p", None), _a("g", 1),
     _a("d", 1), _a("act", True, type="bool")), conv.Conv2,
     "A Conv with a parallel 1×1 convolution (verbatim arguments: Ultralytics records the input's width).",
     "k²·c1/g·c2 + c1/g·c2 + 2·c2"),
    ("RepConv", "verbatim", "conv", (_a("c1", doc="Input width, written in the file (not scaled)."),
     _a("c2", doc="Output width, written in the file (not scaled)."), _a("k", 3), S, _a("p", 1), _a("g", 1),
     _a("d", 1), _a("act", True, type="bool"), _a("bn", False, type="bool")), conv.RepConv,
     "Re-parameterisable 3×3 + 1×1 Conv (verbatim arguments: Ultralytics records the input's width).",
     "9·c1/g·c2 + 2·c2 + c1/g·c2 + 2·c2"),
    ("RepVGGDW", "verbatim", "block", (_a("ed", doc="Input and output width, written in the file."),),
     conv.RepVGGDW, "RepVGG depth-wise block: 7×7 and 3×3 depth-wise Convs summed (verbatim arguments).",
     "49·ed + 2·ed + 9·ed + 2·ed"),
    ("LRPCHead", "verbatim", "head", (), None, "YOLOE's prompt-free head part (verbatim arguments).", ""),
]

for _name, _branch, _file, _args, _build, _doc, _formula in _TABLE:
    register_module(Module(_name, _doc, _branch, _args, _build, f"{_P}{_file}.{_name}", _formula))  # type: ignore[arg-type]

# in ultralytics.nn.modules but not imported by tasks.py: a model file naming one fails with KeyError
NOT_EXPOSED = frozenset((
    "CBAM", "LightConv", "ChannelAttention", "SpatialAttention", "C3k", "C3f", "PSABlock", "Attention", "AAttn",
    "ABlock", "CIB", "RepBottleneck", "RepCSP", "ResNetBlock", "MaxSigmoidAttnBlock", "ContrastiveHead",
    "BNContrastiveHead", "SwiGLUFFN", "Residual", "SAVPE", "Proto", "Proto26", "RealNVP", "DFL", "TransformerLayer",
    "TransformerBlock", "TransformerEncoderLayer", "MLPBlock", "MLP", "LayerNorm2d", "MSDeformAttn",
    "DeformableTransformerDecoderLayer", "DeformableTransformerDecoder",
))  # fmt: skip
