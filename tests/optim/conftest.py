import torch

# one intra-op thread: the tiny oracle runs are faster and steadier on a loaded machine
torch.set_num_threads(1)
