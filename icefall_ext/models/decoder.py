"""Stateless prediction network: an embedding of the last `context_size` tokens."""
import torch
from torch import nn


class Decoder(nn.Module):
    """icefall's stateless decoder: embedding, then a 1-D conv over the token context.

    There is no recurrence, so beam search needs only the last `context_size` tokens of
    a hypothesis, and the ONNX decoder is a pure function of them (what sherpa-onnx feeds).
    """

    def __init__(self, vocab_size: int, decoder_dim: int, blank_id: int = 0, context_size: int = 2):
        super().__init__()
        self.vocab_size = vocab_size
        self.blank_id = blank_id
        self.context_size = context_size
        self.embedding = nn.Embedding(vocab_size, decoder_dim)
        self.conv = (
            nn.Conv1d(decoder_dim, decoder_dim, kernel_size=context_size, groups=max(1, decoder_dim // 4), bias=False)
            if context_size > 1
            else None
        )

    def initial_context(self) -> list:
        """The context a search starts from: `context_size - 1` ids of -1, then blank.

        Training left-pads the embeddings with zeros, and id -1 embeds to zero, so the first
        symbol is predicted from the very context it was trained on. icefall's searches and
        sherpa-onnx (which feeds -1 to the exported decoder) start the same way; starting
        from `context_size` blanks instead makes the first symbol of every utterance see a
        context it never saw in training.
        """
        return [-1] * (self.context_size - 1) + [self.blank_id]

    def forward(self, y: torch.Tensor, need_pad: bool = True) -> torch.Tensor:
        """y: (N, U) token ids -> (N, U, decoder_dim).

        need_pad: left-pad with blanks so that output u sees tokens up to u (training);
        False when y already holds exactly `context_size` tokens per row (decoding).
        """
        emb = self.embedding(y.clamp(min=0)) * (y >= 0).unsqueeze(-1)
        if self.conv is not None:
            emb = emb.transpose(1, 2)
            if need_pad:
                emb = nn.functional.pad(emb, (self.context_size - 1, 0))
            emb = self.conv(emb).transpose(1, 2)
        return nn.functional.relu(emb)
