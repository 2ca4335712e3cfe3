"""Models for the jit tests, built for either library (``build_*(torch)``), so ember and
PyTorch script and trace the very same source."""

from __future__ import annotations


def build_cnn(torch):
    nn, F = torch.nn, torch.nn.functional

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, stride=1,
                                   padding=1)
            self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
            self.conv2 = nn.Conv2d(in_channels=16, out_channels=32, kernel_size=3, stride=1,
                                   padding=1)
            self.fc1 = nn.Linear(in_features=32 * 7 * 7, out_features=128)
            self.fc2 = nn.Linear(in_features=128, out_features=10)

        def forward(self, x):
            out = self.pool(F.relu(self.conv1(x)))
            out = self.pool(F.relu(self.conv2(out)))
            out = out.view(out.size(0), -1)
            out = F.relu(self.fc1(out))
            return self.fc2(out)

    return CNN


def build_branchy(torch):
    nn = torch.nn

    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)

        def forward(self, x):
            y = self.lin(x)
            if y.sum() > 0:
                return y * 2
            return y - 100

    return Branchy


def build_convbn(torch):
    nn, F = torch.nn, torch.nn.functional

    class ConvBN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(8)
            self.conv2 = nn.Conv2d(8, 8, 3)
            self.bn2 = nn.BatchNorm2d(8)
            self.fc = nn.Linear(8 * 6 * 6, 5)
            self.bn3 = nn.BatchNorm1d(5)

        def forward(self, x):
            x = F.relu(self.bn(self.conv(x)))
            x = F.relu(self.bn2(self.conv2(x)))
            x = torch.flatten(x, 1)
            return self.bn3(self.fc(x))

    return ConvBN


def build_helpers(torch):
    nn = torch.nn

    class Helpers(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)
            self.scale = 2.0

        def forward(self, x):
            if torch.jit.is_scripting():
                x = x + 1
            return self.double(self.lin(x)) + self.python_only(x)

        def double(self, x):
            for _ in range(2):
                x = x * self.scale
            return x

        @torch.jit.ignore
        def python_only(self, x):
            try:
                return x * 0
            except Exception:
                return x

        @torch.jit.unused
        def not_compiled(self, x):
            yield x

        @torch.jit.export
        def extra(self, x):
            return x - 1

        def never_called(self, x):
            return [i for i in range(3) if i]

    return Helpers
