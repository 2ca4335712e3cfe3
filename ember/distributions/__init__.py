"""Probability distributions (``torch.distributions``): parameterizable distributions,
sampling (with reparameterized gradients where possible), log-densities, constraints,
transforms and KL divergences."""

from . import constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .fishersnedecor import FisherSnedecor
from .gamma import Chi2, Gamma
from .generalized_pareto import GeneralizedPareto
from .geometric import Geometric
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .independent import Independent
from .inverse_gamma import InverseGamma
from .kl import kl_divergence, register_kl
from .kumaraswamy import Kumaraswamy
from .laplace import Laplace
from .lkj_cholesky import LKJCholesky
from .log_normal import LogNormal
from .logistic_normal import LogisticNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .pareto import Pareto
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F403
from .uniform import Uniform
from .von_mises import VonMises
from .weibull import Weibull
from .wishart import Wishart

__all__ = [
    "FisherSnedecor", "HalfCauchy", "InverseGamma", "Kumaraswamy", "LogisticNormal",
    "NegativeBinomial", "Pareto", "Weibull", "LowRankMultivariateNormal",
    "ContinuousBernoulli", "VonMises", "GeneralizedPareto", "LKJCholesky",
    "Wishart",
    "Beta", "Binomial", "Chi2", "Dirichlet", "Gamma", "Multinomial", "Poisson", "StudentT",
    "Bernoulli", "Categorical", "Cauchy", "Distribution", "ExponentialFamily", "Exponential",
    "Geometric", "Gumbel", "HalfNormal", "Independent", "Laplace", "LogNormal",
    "LogitRelaxedBernoulli", "ExpRelaxedCategorical", "MixtureSameFamily",
    "MultivariateNormal", "Normal", "RelaxedBernoulli", "RelaxedOneHotCategorical",
    "OneHotCategorical", "OneHotCategoricalStraightThrough", "TransformedDistribution",
    "Uniform", "biject_to", "constraints", "kl_divergence", "register_kl", "transform_to",
    "transforms",
]
__all__.extend(transforms.__all__)
