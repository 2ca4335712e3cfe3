"""Train the spec's CNN on the shipped MNIST sample (see ember/examples/mnist.py)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ember.examples.mnist import main  # noqa: E402

if __name__ == "__main__":
    main()
