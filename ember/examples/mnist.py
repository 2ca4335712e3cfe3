"""Train the spec's CNN on MNIST with ember (the project's main job, ``make demo``).

The program is written against the torch API (``import ember as torch``,
``ember.vision`` in place of torchvision): the spec's CNN with ReLUs and one input
channel, ``DataLoader(num_workers=2)``, Adam, cross-entropy, a progress bar per epoch,
test accuracy after each epoch, TensorBoard logs and a saved ``state_dict``.

    python -m ember.examples.mnist                 # the shipped 8,000/2,000 sample
    python -m ember.examples.mnist --data ~/mnist  # a full MNIST download
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader
from ember.vision import datasets, transforms

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "data")


class CNN(nn.Module):
    """The spec's CNN (section 3.3) with ReLUs and one input channel."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=16, kernel_size=3, stride=1,
                               padding=1)
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(in_channels=16, out_channels=32, kernel_size=3, stride=1,
                               padding=1)
        self.pool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(in_features=32 * 7 * 7, out_features=128)
        self.fc2 = nn.Linear(in_features=128, out_features=10)

    def forward(self, x):
        out = self.pool1(F.relu(self.conv1(x)))
        out = self.pool2(F.relu(self.conv2(out)))
        out = out.view(out.size(0), -1)
        out = F.relu(self.fc1(out))
        return self.fc2(out)


def _progress(iterable, total: int, desc: str, enabled: bool):
    """A tqdm bar on a terminal (tqdm is optional); quiet in logs and pipes."""
    if not enabled:
        return iterable
    from ember.utils._progress import progress
    return progress(iterable, total=total, desc=desc, leave=True)


def _writer(logdir: str | None):
    if not logdir:
        return None
    try:
        from ember.utils.tensorboard import SummaryWriter
        return SummaryWriter(logdir)
    except ImportError as e:
        print(f"(TensorBoard logging off: {e})", file=sys.stderr)
        return None


def evaluate(model, loader) -> tuple[float, float]:
    model.eval()
    correct = total = 0
    loss_sum = 0.0
    with torch.no_grad():
        for inputs, labels in loader:
            outputs = model(inputs)
            loss_sum += F.cross_entropy(outputs, labels, reduction="sum").item()
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            total += labels.numel()
    model.train()
    return correct / total, loss_sum / total


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="root holding MNIST/raw/ (default: "
                    "the sample shipped in data/)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0,
                    help="BLAS threads for training (default: the cores the loader's "
                         "worker processes leave free, at least 1)")
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images only")
    ap.add_argument("--logdir", default="runs/mnist", help="TensorBoard log dir ('' = off)")
    ap.add_argument("--save", default="mnist_cnn.pth", help="where to save the state_dict")
    ap.add_argument("--progress", choices=["auto", "on", "off"], default="auto")
    ap.add_argument("--amp", action="store_true",
                    help="mixed precision: forward and loss under CPU bfloat16 autocast")
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    # worker processes and BLAS threads share the cores: oversubscribed BLAS threads
    # spin-wait on descheduled peers and slow training down several times
    cores = os.cpu_count() or 1
    torch.set_num_threads(args.threads or max(1, cores - args.workers))
    bar = args.progress == "on" or (args.progress == "auto" and sys.stderr.isatty())
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.1307,), (0.3081,))])
    train_dataset = datasets.MNIST(root=args.data, train=True, transform=transform,
                                   download=False)
    test_dataset = datasets.MNIST(root=args.data, train=False, transform=transform)
    if args.limit:
        train_dataset = torch.utils.data.Subset(train_dataset, range(args.limit))
    train_loader = DataLoader(train_dataset, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers)
    test_loader = DataLoader(test_dataset, batch_size=256, shuffle=False,
                             num_workers=args.workers)

    model = CNN()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    writer = _writer(args.logdir)
    print(f"ember MNIST: {len(train_dataset)} training / {len(test_dataset)} test images, "
          f"{args.epochs} epochs, batch {args.batch_size}, Adam lr={args.lr}, "
          f"{args.workers} workers" + (", bfloat16 autocast" if args.amp else ""))
    if writer is not None:
        images, _ = next(iter(test_loader))
        from ember.vision.utils import make_grid
        writer.add_image("test images", make_grid(images[:64] * 0.3081 + 0.1307), 0)

    start = time.perf_counter()
    step = 0
    acc = 0.0
    for epoch in range(args.epochs):
        running = 0.0
        it = _progress(train_loader, len(train_loader), f"epoch {epoch + 1}/{args.epochs}",
                       bar)
        for i, (inputs, labels) in enumerate(it):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.amp):
                outputs = model(inputs)
                loss = criterion(outputs, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.item()
            step += 1
            if writer is not None:
                writer.add_scalar("training loss", loss.item(), step)
            if bar and hasattr(it, "set_postfix"):
                it.set_postfix(loss=f"{running / (i + 1):.4f}")
        acc, test_loss = evaluate(model, test_loader)
        print(f"epoch {epoch + 1}: train loss {running / len(train_loader):.4f}  "
              f"test loss {test_loss:.4f}  test accuracy {acc * 100:.2f}%  "
              f"({time.perf_counter() - start:.0f} s)")
        if writer is not None:
            writer.add_scalar("test accuracy", acc, epoch + 1)
            writer.add_histogram("conv1 weights", model.conv1.weight, epoch + 1)
            writer.add_histogram("conv1 biases", model.conv1.bias, epoch + 1)
    if writer is not None:
        writer.close()
        print(f"TensorBoard logs: tensorboard --logdir {os.path.dirname(args.logdir) or '.'}")
    if args.save and hasattr(torch, "save"):
        torch.save(model.state_dict(), args.save)
        print(f"saved the trained state_dict to {args.save}")
    print(f"final test accuracy: {acc * 100:.2f}% in {time.perf_counter() - start:.0f} s")
    return acc


if __name__ == "__main__":
    main()
