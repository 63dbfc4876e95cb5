"""A pre-norm transformer decoder whose queries cross-attend to image tokens.

HaMeR's MANO head decodes one query token with layers of
``[self-attention, cross-attention, feed-forward]``, each
``x = x + f(LayerNorm(x))``, with attention widths ``heads * head_dim`` that
need not equal the token width (HaMeR: 1024-d tokens, 8 x 64 = 512-d
attention, 1280-d image context) and bias-free query/key/value projections.
``nn.TransformerDecoderLayer`` cannot express those widths, hence these
small modules. There is no final norm.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


def _split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(B, N, heads * d) -> (B, heads, N, d)."""
    batch, tokens, _ = x.shape
    return x.reshape(batch, tokens, heads, -1).transpose(1, 2)


def _merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, heads, N, d) -> (B, N, heads * d)."""
    batch, heads, tokens, dim = x.shape
    return x.transpose(1, 2).reshape(batch, tokens, heads * dim)


class PreNormSelfAttention(nn.Module):
    """``LayerNorm -> multi-head self-attention -> Linear`` (residual outside).

    Args: dim (token width), heads, head_dim, dropout (on the output).
    """

    def __init__(self, dim: int, heads: int, head_dim: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * inner, bias=False)
        self.out = nn.Linear(inner, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, N, dim) -> (B, N, dim) update."""
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=-1)
        attended = F.scaled_dot_product_attention(
            *(_split_heads(t, self.heads) for t in (q, k, v)))
        return self.dropout(self.out(_merge_heads(attended)))


class PreNormCrossAttention(nn.Module):
    """``LayerNorm(queries) -> attention to the (un-normalised) context``.

    Args: dim (query width), context_dim (context width), heads, head_dim,
    dropout (on the output).
    """

    def __init__(self, dim: int, context_dim: int, heads: int, head_dim: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.norm = nn.LayerNorm(dim)
        self.q = nn.Linear(dim, inner, bias=False)
        self.kv = nn.Linear(context_dim, 2 * inner, bias=False)
        self.out = nn.Linear(inner, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """(B, N, dim) queries, (B, M, context_dim) context -> (B, N, dim)."""
        k, v = self.kv(context).chunk(2, dim=-1)
        attended = F.scaled_dot_product_attention(
            _split_heads(self.q(self.norm(x)), self.heads),
            _split_heads(k, self.heads), _split_heads(v, self.heads))
        return self.dropout(self.out(_merge_heads(attended)))


class PreNormFeedForward(nn.Module):
    """``LayerNorm -> Linear -> GELU -> Linear`` (residual outside)."""

    def __init__(self, dim: int, hidden_dim: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.dropout(F.gelu(self.fc1(self.norm(x))))
        return self.dropout(self.fc2(hidden))


class CrossAttentionDecoderLayer(nn.Module):
    """``x += self_attn(x); x += cross_attn(x, context); x += ffn(x)``."""

    def __init__(self, dim: int, context_dim: int, heads: int, head_dim: int,
                 mlp_dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.self_attn = PreNormSelfAttention(dim, heads, head_dim, dropout)
        self.cross_attn = PreNormCrossAttention(dim, context_dim, heads,
                                                head_dim, dropout)
        self.ffn = PreNormFeedForward(dim, mlp_dim, dropout)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(x)
        x = x + self.cross_attn(x, context)
        return x + self.ffn(x)


class CrossAttentionDecoder(nn.Module):
    """A stack of :class:`CrossAttentionDecoderLayer`.

    Args:
        dim: query token width (HaMeR: 1024).
        context_dim: image token width (HaMeR: 1280, ViT-H).
        depth: number of layers (HaMeR: 6).
        heads: attention heads (HaMeR: 8).
        head_dim: width per head (HaMeR: 64).
        mlp_dim: hidden width of the feed-forward (HaMeR: 1024).
        dropout: dropout inside the layers (HaMeR: 0).
    """

    def __init__(self, dim: int, context_dim: Optional[int], depth: int,
                 heads: int, head_dim: int, mlp_dim: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        context_dim = context_dim or dim
        self.layers = nn.ModuleList([
            CrossAttentionDecoderLayer(dim, context_dim, heads, head_dim,
                                       mlp_dim, dropout)
            for _ in range(depth)
        ])

    def forward(self, queries: torch.Tensor,
                context: torch.Tensor) -> torch.Tensor:
        """(B, N, dim) queries, (B, M, context_dim) tokens -> (B, N, dim)."""
        for layer in self.layers:
            queries = layer(queries, context)
        return queries
