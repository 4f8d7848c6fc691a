package ai.jllm.model;

import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.Backend;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.StepShape;
import ai.jllm.backend.Tensor;
import ai.jllm.config.ModelConfig;
import ai.jllm.tensor.DType;

/**
 * The pre-norm decoder-only transformer shared by Llama, Mistral, Qwen2 and Qwen3 (Touvron et al. 2023): every layer is
 * <pre>
 *   h   = x + attention(attentionNorm(x))
 *   out = h + feedForward(ffnNorm(h))          feedForward(x) = down(silu(gate(x)) * up(x))
 * </pre>
 * with grouped-query attention over a paged KV cache and rotary positions. The architectures differ only in data:
 * biases, QK-norm, head size, rope scaling and tied embeddings, all carried by the config and the weights.
 *
 * <p>The residual stream is kept in one buffer: each residual add is fused with the norm that follows it.
 */
public final class DecoderModel {

    private final ModelConfig config;
    private final ModelWeights weights;
    private final Backend backend;
    private final AttentionShape attentionShape;
    private final Tensor ropeTable;
    private final float eps;

    // Activations, sized for the largest step (T = maxTokens rows, L = maxLogits rows).
    private final Tensor residual;   // [T, H]  the residual stream x
    private final Tensor normed;     // [T, H]  the current norm's output
    private final Tensor delta;      // [T, H]  a sublayer's output, added to the stream
    private final Tensor qkv;        // [T, Q + 2 KV]
    private final Tensor attended;   // [T, Q]
    private final Tensor gateUp;     // [T, 2I]
    private final Tensor activated;  // [T, I]
    private final Tensor lastHidden; // [L, H]
    private final Tensor logits;     // [L, V]

    public DecoderModel(ModelConfig config, ModelWeights weights, Backend backend, int maxTokens, int maxLogits,
                        int maxPositions) {
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.eps = (float) config.rmsNormEps();
        this.attentionShape = new AttentionShape(config.numAttentionHeads(), config.numKeyValueHeads(),
                config.headDim(), (float) (1.0 / Math.sqrt(config.headDim())), config.slidingWindow());
        this.ropeTable = backend.upload(RotaryEmbedding.table(config, maxPositions), maxPositions, config.headDim());
        DType type = backend.activationType();
        int hidden = config.hiddenSize();
        this.residual = backend.allocate(type, maxTokens, hidden);
        this.normed = backend.allocate(type, maxTokens, hidden);
        this.delta = backend.allocate(type, maxTokens, hidden);
        this.qkv = backend.allocate(type, maxTokens, attentionShape.qkvSize());
        this.attended = backend.allocate(type, maxTokens, attentionShape.qSize());
        this.gateUp = backend.allocate(type, maxTokens, 2L * config.intermediateSize());
        this.activated = backend.allocate(type, maxTokens, config.intermediateSize());
        this.lastHidden = backend.allocate(type, maxLogits, hidden);
        this.logits = backend.allocate(DType.F32, maxLogits, config.vocabSize());
    }

    /**
     * Runs one step: writes the keys and values of the batch's tokens into the cache and returns the logits of the
     * rows the batch asked for.  logits: [batch.numLogits(), V] (float32; rows beyond numLogits are stale)
     */
    public Tensor forward(ForwardBatch batch, KvCache cache) {
        backend.prepare(batch);
        backend.runStep(StepShape.of(batch, cache), () -> layers(batch, cache));
        return logits;
    }

    /** The step's ops, from the embedding to the logits. */
    private void layers(ForwardBatch batch, KvCache cache) {
        int tokens = batch.numTokens();
        var layers = weights.layers();
        backend.embedding(weights.embedding(), batch, residual);
        backend.rmsNorm(residual, layers.getFirst().attentionNorm(), eps, tokens, normed);
        for (int i = 0; i < layers.size(); i++) {
            LayerWeights layer = layers.get(i);
            attention(layer, i, batch, cache);
            backend.addRmsNorm(residual, delta, layer.ffnNorm(), eps, tokens, normed);
            feedForward(layer, tokens);
            Tensor nextNorm = i + 1 < layers.size() ? layers.get(i + 1).attentionNorm() : weights.finalNorm();
            backend.addRmsNorm(residual, delta, nextNorm, eps, tokens, normed);
        }
        backend.gatherLogitsRows(normed, batch, lastHidden);
        backend.linear(lastHidden, weights.lmHead(), batch.numLogits(), logits);
    }

    /** normed → delta: grouped-query attention with rotary positions over the paged cache. */
    private void attention(LayerWeights layer, int layerIndex, ForwardBatch batch, KvCache cache) {
        int tokens = batch.numTokens();
        backend.linear(normed, layer.qkv(), tokens, qkv);
        if (layer.qkNorm().isPresent()) {
            LayerWeights.QkNorm qkNorm = layer.qkNorm().get();
            backend.qkNorm(qkv, qkNorm.q(), qkNorm.k(), eps, attentionShape, tokens);
        }
        backend.ropeAndWriteKv(qkv, ropeTable, attentionShape, cache, layerIndex, batch);
        backend.attention(qkv, cache, layerIndex, attentionShape, batch, attended);
        backend.linear(attended, layer.o(), tokens, delta);
    }

    /** normed → delta: the SwiGLU feed-forward block. */
    private void feedForward(LayerWeights layer, int tokens) {
        backend.linear(normed, layer.gateUp(), tokens, gateUp);
        backend.siluMul(gateUp, tokens, activated);
        backend.linear(activated, layer.down(), tokens, delta);
    }

    public ModelConfig config() {
        return config;
    }

    public AttentionShape attentionShape() {
        return attentionShape;
    }
}
