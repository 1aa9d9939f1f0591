#!/usr/bin/env python3
"""Training throughput of the course's models in PyTorch, for `trainyard bench training`.

One step = zero_grad + forward + loss + backward + SGD(lr 0.01, momentum 0.5) step, on one random
batch reused every step, as the TF.js side measures it. Models are the course's (the week-2
lab's reference); their parameter counts are checked so a typo cannot pass for a faster model.

Prints progress on stderr and one JSON object on stdout:
  {"torch": "...", "threads": 2, "rows": [{"model", "batch", "params", "steps", "medianMs", "imgPerSec"}]}
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class FC2Layer(nn.Module):
    """Course 4.1 (LogSoftmax inside, trained with nll_loss)."""

    def __init__(self, input_size=784, n_hidden=8, output_size=10):
        super().__init__()
        self.input_size = input_size
        self.network = nn.Sequential(
            nn.Linear(input_size, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, output_size),
            nn.LogSoftmax(dim=1),
        )

    def forward(self, x):
        return self.network(x.view(-1, self.input_size))


class CNN(nn.Module):
    """Course 4.1 (log_softmax inside, trained with nll_loss)."""

    def __init__(self, n_feature=6, output_size=10):
        super().__init__()
        self.n_feature = n_feature
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=n_feature, kernel_size=5)
        self.conv2 = nn.Conv2d(n_feature, n_feature, kernel_size=5)
        self.fc1 = nn.Linear(n_feature * 4 * 4, 50)
        self.fc2 = nn.Linear(50, output_size)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), kernel_size=2)
        x = F.max_pool2d(F.relu(self.conv2(x)), kernel_size=2)
        x = x.view(-1, self.n_feature * 4 * 4)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


class CifarCNN(nn.Module):
    """Course 4.2 (logits, trained with CrossEntropyLoss)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


VGG_CFG = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']


class VGG(nn.Module):
    """Course 4.3 with the notebook's two bugs fixed: Linear(512, 10) and _make_layers(cfg)."""

    def __init__(self):
        super().__init__()
        self.features = self._make_layers(VGG_CFG)
        self.classifier = nn.Linear(512, 10)

    def forward(self, x):
        out = self.features(x)
        return self.classifier(out.view(out.size(0), -1))

    def _make_layers(self, cfg):
        layers = []
        in_channels = 3
        for x in cfg:
            if x == 'M':
                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            else:
                layers += [nn.Conv2d(in_channels, x, kernel_size=3, padding=1), nn.BatchNorm2d(x), nn.ReLU(inplace=True)]
                in_channels = x
        return nn.Sequential(*layers)


# name: (constructor, input shape CHW, batch, loss, expected trainable parameters)
MODELS = {
    'fc2layer': (FC2Layer, (1, 28, 28), 64, F.nll_loss, 6442),
    'cnn': (CNN, (1, 28, 28), 64, F.nll_loss, 6422),
    'cifar-cnn': (CifarCNN, (3, 32, 32), 64, F.cross_entropy, 62006),
    'vgg16': (VGG, (3, 32, 32), 128, F.cross_entropy, 9231114),
}


def measure(name, steps, warmup):
    build, shape, batch, loss_fn, expected = MODELS[name]
    torch.manual_seed(0)
    model = build()
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if params != expected:
        raise SystemExit(f'{name}: {params} parameters, expected {expected}')
    model.train()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        elapsed = time.perf_counter() - start
        if i >= warmup:
            times.append(elapsed)
    median = statistics.median(times)
    return {'model': name, 'batch': batch, 'params': params, 'steps': steps, 'medianMs': median * 1000, 'imgPerSec': batch / median}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', default='fc2layer,cnn,cifar-cnn,vgg16')
    parser.add_argument('--steps', type=int, default=20, help='timed steps per model')
    parser.add_argument('--vgg-steps', type=int, default=5, help='timed steps for vgg16 (slow)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.models.split(','):
        if name not in MODELS:
            raise SystemExit(f'unknown model {name}; expected one of {", ".join(MODELS)}')
        steps = args.vgg_steps if name == 'vgg16' else args.steps
        warmup = min(args.warmup, 1) if name == 'vgg16' else args.warmup
        print(f'[pytorch] {name}: {warmup} warm-up + {steps} timed steps', file=sys.stderr, flush=True)
        row = measure(name, steps, warmup)
        print(f'[pytorch] {name}: {row["imgPerSec"]:,.0f} img/s', file=sys.stderr, flush=True)
        rows.append(row)
    json.dump({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'rows': rows}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
