"""The model set of the GPU check, in plain torch (the GPU machine may have
no torchvision): resnet18 and mobilenet_v2 built as torchvision builds them,
a transformer encoder layer, a GPT block with causal attention, an MLP.
The same definitions are compiled here and timed there with torch eager."""
import math

import numpy as np
import torch
from torch import nn


def _conv_bn(cin, cout, kernel, stride=1, groups=1, act=nn.ReLU):
    layers = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups,
                        bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(act(inplace=True))
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(_conv_bn(cin, cout, 3, stride),
                                  _conv_bn(cout, cout, 3, act=None))
        self.down = (_conv_bn(cin, cout, 1, stride, act=None)
                     if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        return torch.relu(self.body(x) + self.down(x))


class ResNet18(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        self.stem = nn.Sequential(_conv_bn(3, 64, 7, 2),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            blocks += [BasicBlock(cin, cout, stride),
                       BasicBlock(cout, cout, 1)]
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1),
                                     1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = [] if expand == 1 else [_conv_bn(cin, hidden, 1,
                                                  act=nn.ReLU6)]
        layers += [_conv_bn(hidden, hidden, 3, stride, groups=hidden,
                            act=nn.ReLU6),
                   _conv_bn(hidden, cout, 1, act=None)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2(nn.Module):
    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, classes=1000):
        super().__init__()
        layers, cin = [_conv_bn(3, 32, 3, 2, act=nn.ReLU6)], 32
        for expand, cout, repeats, stride in self.SETTINGS:
            for i in range(repeats):
                layers.append(InvertedResidual(cin, cout, stride if i == 0
                                               else 1, expand))
                cin = cout
        layers.append(_conv_bn(cin, 1280, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(1280, classes)

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


class GptBlock(nn.Module):
    """Pre-norm causal self-attention and a GELU MLP, GPT-2's block."""

    def __init__(self, width=512, heads=8, length=128):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width),
                                 nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * width, width))
        mask = torch.full((length, length), -1e9).triu(1)
        self.register_buffer("mask", mask)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        shape = (b, t, self.heads, c // self.heads)
        q, k, v = (y.reshape(shape).transpose(1, 2) for y in (q, k, v))
        scores = q @ k.transpose(2, 3) / math.sqrt(c // self.heads)
        attention = torch.softmax(scores + self.mask[:t, :t], dim=-1) @ v
        x = x + self.proj(attention.transpose(1, 2).reshape(b, t, c))
        return x + self.mlp(self.ln2(x))


def scaled_batch(base, n):
    """`n` copies of the one-image array `base`, scaled by 0.5 ... 1.5 (the
    first by exactly 0.5): a batch the GPU check rebuilds from its first
    image, as the whole batch is too big to carry."""
    scales = np.linspace(0.5, 1.5, n, dtype=np.float32)
    return base * scales.reshape(n, *([1] * (base.ndim - 1)))


# Models whose input 0 is scaled_batch of one image: name -> batch.
BATCHED_FROM_ONE = {"resnet18_b32": 32}


def _seeded(make):
    def build():
        torch.manual_seed(0)
        model, inputs = make()
        return model.eval(), inputs
    return build


# name -> () -> (model in eval mode, example inputs)
MODELS = {
    "mlp": _seeded(lambda: (nn.Sequential(nn.Linear(256, 512), nn.GELU(),
                                          nn.Linear(512, 10)),
                            (torch.randn(8, 256),))),
    "resnet18": _seeded(lambda: (ResNet18(), (torch.randn(1, 3, 224, 224),))),
    "resnet18_b32": _seeded(lambda: (ResNet18(), (torch.from_numpy(
        scaled_batch(torch.randn(1, 3, 224, 224).numpy(), 32)),))),
    "mobilenet_v2": _seeded(lambda: (MobileNetV2(),
                                     (torch.randn(1, 3, 224, 224),))),
    "encoder_layer": _seeded(lambda: (nn.TransformerEncoderLayer(
        512, 8, 2048, batch_first=True), (torch.randn(2, 128, 512),))),
    "gpt_block": _seeded(lambda: (GptBlock(), (torch.randn(4, 128, 512),))),
}
