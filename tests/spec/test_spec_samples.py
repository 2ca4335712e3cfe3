"""The code samples of the spec (../shared/seed), run with only the import changed.

Each sample is executed as written (``import ember as torch``); where the spec leaves a
name undefined (``m, n, p``, ``X``, ``y``, ``lr``...), the test defines it first, as a
reader would. Results are compared with the same sample run on real PyTorch.
"""

from __future__ import annotations

import linecache
import zlib

import numpy as np
import torch as real_torch

import ember

SAMPLE_MATMUL = """
A = torch.randn(m, n)
B = torch.randn(n, p)

# 方法1：使用 torch.matmul() 函数
C = torch.matmul(A, B)

# 方法2：使用 @ 运算符
C = A @ B
"""

SAMPLE_LINREG = """
import torch.nn as nn

# 构建模型
model = nn.Linear(d, 1)

# 定义损失函数
criterion = nn.MSELoss()

# 前向传播计算损失
y_pred = model(X)
loss = criterion(y_pred, y)

# 反向传播计算梯度
loss.backward()

# 更新模型参数
with torch.no_grad():
    model.weight -= lr * model.weight.grad
    model.bias -= lr * model.bias.grad
"""

SAMPLE_CNN = """
import torch.nn as nn

class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, stride=1, padding=1)
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(in_channels=16, out_channels=32, kernel_size=3, stride=1, padding=1)
        self.pool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(in_features=32 * 7 * 7, out_features=128)
        self.fc2 = nn.Linear(in_features=128, out_features=10)

    def forward(self, x):
        out = self.conv1(x)
        out = self.pool1(out)
        out = self.conv2(out)
        out = self.pool2(out)
        out = out.view(out.size(0), -1)
        out = self.fc1(out)
        out = self.fc2(out)
        return out
"""

SAMPLE_JIT = """
# 将模型转换为 TorchScript
traced_model = torch.jit.trace(model, example_input)
scripted_model = torch.jit.script(model)
"""


def _run(code: str, lib, **names) -> dict:
    import sys
    ns = {"torch": lib, **names}
    saved = sys.modules.get("torch")
    if lib is ember:
        # `import torch.nn as nn` inside the sample must resolve to ember's modules
        sys.modules["torch"], sys.modules["torch.nn"] = ember, ember.nn
    try:
        src = "import torch\n" + code
        # registered with linecache so that inspect (jit.script) finds the sample's source
        fname = f"<spec sample {zlib.crc32(src.encode()):08x}>"
        linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
        exec(compile(src, fname, "exec"), ns)
    finally:
        if lib is ember:
            sys.modules["torch"] = saved
            sys.modules["torch.nn"] = __import__("torch.nn").nn
    return ns


def test_matmul_sample():
    ns = _run(SAMPLE_MATMUL, ember, m=4, n=5, p=3)
    np.testing.assert_allclose(ns["C"].numpy(), ns["A"].numpy() @ ns["B"].numpy(), rtol=1e-5)
    assert tuple(ns["C"].shape) == (4, 3)


def test_linear_regression_sample_matches_torch():
    rng = np.random.default_rng(0)
    Xn = rng.standard_normal((32, 5)).astype(np.float32)
    yn = rng.standard_normal((32, 1)).astype(np.float32)
    res = {}
    for lib in (ember, real_torch):
        real_torch.manual_seed(0)
        tmodel = real_torch.nn.Linear(5, 1)
        w0, b0 = tmodel.weight.detach().numpy().copy(), tmodel.bias.detach().numpy().copy()
        ns = {}
        code = SAMPLE_LINREG + "\nwith torch.no_grad():\n    model.weight.copy_(torch.tensor(W0))\n"
        ns = _run(SAMPLE_LINREG.replace("y_pred = model(X)",
                                        "with torch.no_grad():\n"
                                        "    model.weight.copy_(torch.tensor(W0))\n"
                                        "    model.bias.copy_(torch.tensor(B0))\n"
                                        "y_pred = model(X)"),
                  lib, d=5, X=lib.tensor(Xn), y=lib.tensor(yn), lr=0.1, W0=w0, B0=b0)
        del code
        res[lib] = (ns["loss"].item(), ns["model"].weight.detach().numpy().copy(),
                    ns["model"].bias.detach().numpy().copy())
    assert abs(res[ember][0] - res[real_torch][0]) < 1e-5
    np.testing.assert_allclose(res[ember][1], res[real_torch][1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res[ember][2], res[real_torch][2], rtol=1e-5, atol=1e-6)


def test_cnn_sample_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 28, 28)).astype(np.float32)
    t_ns = _run(SAMPLE_CNN, real_torch)
    e_ns = _run(SAMPLE_CNN, ember)
    real_torch.manual_seed(0)
    tm = t_ns["CNN"]()
    em = e_ns["CNN"]()
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    assert repr(em) == repr(tm)
    to = tm(real_torch.tensor(x))
    eo = em(ember.tensor(x))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    to.sum().backward()
    eo.sum().backward()
    for (n, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-3, atol=1e-4,
                                   err_msg=n)


def test_jit_sample_matches_torch():
    """4.5: trace and script the spec's CNN; both run and agree with torch's."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 28, 28)).astype(np.float32)
    t_cnn, e_cnn = _run(SAMPLE_CNN, real_torch)["CNN"], _run(SAMPLE_CNN, ember)["CNN"]
    real_torch.manual_seed(0)
    tm, em = t_cnn(), e_cnn()
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    t_ns = _run(SAMPLE_JIT, real_torch, model=tm, example_input=real_torch.tensor(x))
    e_ns = _run(SAMPLE_JIT, ember, model=em, example_input=ember.tensor(x))
    x2 = rng.standard_normal((5, 3, 28, 28)).astype(np.float32)
    for name in ("traced_model", "scripted_model"):
        assert isinstance(e_ns[name], ember.jit.ScriptModule)
        for arr in (x, x2):
            eo = e_ns[name](ember.tensor(arr))
            to = t_ns[name](real_torch.tensor(arr))
            np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4,
                                       atol=1e-5, err_msg=name)


def test_gpu_sample_runs_on_cpu_device():
    device = ember.device("cuda" if ember.cuda.is_available() else "cpu")
    ns = _run(SAMPLE_CNN + """
model = CNN()
x = torch.randn(2, 3, 28, 28)
y = torch.randint(0, 10, (2,))
# 将 Tensor 迁移到 GPU
x = x.to(device)
y = y.to(device)

# 将模型迁移到 GPU
model.to(device)
out = model(x)
""", ember, device=device)
    assert ns["out"].device == device and tuple(ns["out"].shape) == (2, 10)


SAMPLE_DATA = """
import torchvision.datasets as datasets
import torchvision.transforms as transforms
from torch.utils.data import DataLoader

# 加载 MNIST 数据集
train_dataset = datasets.MNIST(root='./data', train=True, transform=transforms.ToTensor(), download=True)
test_dataset = datasets.MNIST(root='./data', train=False, transform=transforms.ToTensor())

# 定义 DataLoader
train_loader = DataLoader(train_dataset, batch_size=64, shuffle=True, num_workers=4)
test_loader = DataLoader(test_dataset, batch_size=64, shuffle=False, num_workers=4)
"""

SAMPLE_TENSORBOARD = """
from torch.utils.tensorboard import SummaryWriter

# 创建 SummaryWriter 对象
writer = SummaryWriter('runs/mnist_experiment_1')

# 在训练循环中记录指标
for epoch in range(num_epochs):
    for i, (inputs, labels) in enumerate(train_loader):
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        writer.add_scalar('training loss', loss.item(), epoch * len(train_loader) + i)
        writer.add_histogram('conv1 biases', model.conv1.bias, epoch)
writer.close()
"""


def _with_ember_modules(code: str, names: dict, cwd):
    """Run a sample whose imports name torch/torchvision, resolved to ember."""
    import os
    import sys

    import ember.utils.data
    import ember.utils.tensorboard
    import ember.vision
    mods = {"torch": ember, "torch.nn": ember.nn, "torch.utils": ember.utils,
            "torch.utils.data": ember.utils.data,
            "torch.utils.tensorboard": ember.utils.tensorboard,
            "torchvision": ember.vision, "torchvision.datasets": ember.vision.datasets,
            "torchvision.transforms": ember.vision.transforms}
    saved = {k: sys.modules.get(k) for k in mods}
    old = os.getcwd()
    sys.modules.update(mods)
    os.chdir(cwd)
    try:
        ns = {"torch": ember, **names}
        exec(compile(code, "<spec sample>", "exec"), ns)
        return ns
    finally:
        os.chdir(old)
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def _data_root(tmp_path):
    """./data/MNIST/raw holding the shipped sample (present files are never downloaded)."""
    import os
    import shutil
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    shutil.copytree(os.path.join(repo, "data", "MNIST"), tmp_path / "data" / "MNIST")
    return tmp_path


def test_data_loading_sample(tmp_path):
    ns = _with_ember_modules(SAMPLE_DATA, {}, _data_root(tmp_path))
    assert len(ns["train_dataset"]) == 8000 and len(ns["test_dataset"]) == 2000
    x, y = next(iter(ns["train_loader"]))
    assert tuple(x.shape) == (64, 1, 28, 28) and x.dtype == ember.float32
    assert y.dtype == ember.int64 and float(x.max()) <= 1.0 and float(x.min()) >= 0.0
    batches = list(ns["test_loader"])
    assert sum(len(b[1]) for b in batches) == 2000


def test_tensorboard_sample(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    ns = _run(SAMPLE_CNN.replace("in_channels=3", "in_channels=1"), ember)
    model = ns["CNN"]()
    data = [(ember.randn(4, 1, 28, 28), ember.randint(0, 10, (4,))) for _ in range(3)]
    _with_ember_modules(SAMPLE_TENSORBOARD, {
        "num_epochs": 2, "train_loader": data, "model": model,
        "criterion": ember.nn.CrossEntropyLoss()}, tmp_path)
    acc = EventAccumulator(str(tmp_path / "runs" / "mnist_experiment_1"), size_guidance={
        "scalars": 0, "histograms": 0})
    acc.Reload()
    steps = [e.step for e in acc.Scalars("training loss")]
    assert steps == [0, 1, 2, 3, 4, 5]
    assert [e.step for e in acc.Histograms("conv1 biases")] == [0, 0, 0, 1, 1, 1]
