"""Writes a tiny llama-architecture GGUF model with random weights, for tests/local_model.rs.

Its words are nonsense, but llama.cpp loads it like any llama model, so the server, the
OpenAI-compatible protocol, streaming, tool-call grammars and errors around it are all real.
Usage: python make_tiny_model.py OUT.gguf
"""

import sys

import numpy as np
from gguf import GGUFWriter, TokenType

N_EMBD = 64
N_HEAD = 4
N_LAYER = 2
N_FF = 128
N_CTX = 2048
SEED = 20261204

# Words the model can say in one token, besides single characters and bytes.
WORDS = [
    "the", "a", "local", "model", "answer", "weather", "Paris", "Berlin", "Rust", "Bedrock",
    "is", "of", "and", "to", "in", "sunny", "rain", "cloud", "today", "hello",
]


def vocabulary():
    """SentencePiece-style tokens: control tokens, all 256 byte tokens, characters, words."""
    tokens, scores, types = [], [], []

    def add(text, score, kind):
        tokens.append(text)
        scores.append(score)
        types.append(kind)

    add("<unk>", 0.0, TokenType.UNKNOWN)
    add("<s>", 0.0, TokenType.CONTROL)
    add("</s>", 0.0, TokenType.CONTROL)
    for byte in range(256):
        add(f"<0x{byte:02X}>", 0.0, TokenType.BYTE)
    add("\u2581", -1.0, TokenType.NORMAL)  # the SentencePiece space
    for code in range(33, 127):
        add(chr(code), -2.0, TokenType.NORMAL)
    for i, word in enumerate(WORDS):
        add("\u2581" + word, -3.0 - i / 100, TokenType.NORMAL)
    return tokens, scores, types


def main(path):
    rng = np.random.default_rng(SEED)
    tokens, scores, types = vocabulary()
    n_vocab = len(tokens)

    def weights(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    writer = GGUFWriter(path, "llama")
    writer.add_name("bedrock-workshop tiny random llama")
    writer.add_context_length(N_CTX)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)

    # numpy shapes are ggml's dimensions reversed: token_embd is {n_embd, n_vocab} in ggml.
    writer.add_tensor("token_embd.weight", weights(n_vocab, N_EMBD))
    for layer in range(N_LAYER):
        block = f"blk.{layer}"
        writer.add_tensor(f"{block}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{block}.{name}.weight", weights(N_EMBD, N_EMBD))
        writer.add_tensor(f"{block}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(f"{block}.ffn_gate.weight", weights(N_FF, N_EMBD))
        writer.add_tensor(f"{block}.ffn_up.weight", weights(N_FF, N_EMBD))
        writer.add_tensor(f"{block}.ffn_down.weight", weights(N_EMBD, N_FF))
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    # The output layer decides what the model says: ordinary tokens get logits spread widely
    # (so sampling picks among them), control and byte tokens a logit of 0, so that the model
    # practically never ends its answer by itself (a test's max_tokens does) or emits raw bytes.
    output = (rng.standard_normal((n_vocab, N_EMBD)) * 0.5).astype(np.float32)
    for token, kind in enumerate(types):
        if kind != TokenType.NORMAL:
            output[token] = 0.0
    writer.add_tensor("output.weight", output)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_tiny_model.py OUT.gguf")
    main(sys.argv[1])
