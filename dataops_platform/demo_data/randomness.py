"""Seeded randomness: counter-based hashing (a pure function of seed, stream and index) and category draws."""

from __future__ import annotations

import math

import numpy as np

_GOLDEN, _MIX1, _MIX2 = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer over a uint64 array (wraps around by design)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def hash_u64(seed: int, stream: int, index: np.ndarray) -> np.ndarray:
    key = mix64(mix64(np.array([seed], np.uint64)) ^ np.array([stream], np.uint64))
    return mix64(np.asarray(index).astype(np.uint64) ^ key)


def uniform(seed: int, stream: int, index: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) floats, one per index."""
    return (hash_u64(seed, stream, index) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def categorical(u: np.ndarray, p: tuple[float, ...]) -> np.ndarray:
    """Category codes for uniform [0, 1) draws `u`, with probabilities p."""
    return np.searchsorted(np.cumsum(p), u * math.fsum(p), side="right").clip(0, len(p) - 1)


def choose(seed: int, stream: int, index: np.ndarray, p: tuple[float, ...]) -> np.ndarray:
    """One category code per index, with probabilities p (a pure function of seed and index)."""
    return categorical(uniform(seed, stream, index), p)


def pick(rng: np.random.Generator, n: int, p: tuple[float, ...]) -> np.ndarray:
    """n category codes drawn from `rng` with probabilities p."""
    return categorical(rng.random(n), p)


def affine_bijection(n: int, seed: int, stream: int) -> tuple[int, int]:
    """(a, b) such that i -> (a*i + b) % n permutes range(n)."""
    h = hash_u64(seed, stream, np.array([0, 1]))
    a = int(h[0] % np.uint64(n)) or 1
    while math.gcd(a, n) != 1:
        a = a % n + 1
    return a, int(h[1] % np.uint64(n))
