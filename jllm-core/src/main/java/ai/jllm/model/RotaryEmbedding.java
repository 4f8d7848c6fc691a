package ai.jllm.model;

import ai.jllm.config.ModelConfig;
import ai.jllm.config.RopeScaling;

/**
 * Rotary position embedding (RoPE, Su et al. 2021) in the rotate-half convention Hugging Face uses: dimension i of a
 * head is paired with dimension i + headDim/2 and the pair is rotated by {@code position * invFreq[i]}.
 *
 * <p>The arithmetic follows transformers step by step in float32 (inverse frequencies, their scaling, and the
 * product with the position), so long positions round the same way as the reference.
 */
public final class RotaryEmbedding {

    private RotaryEmbedding() {}

    /** invFreq[i] = 1 / theta^(2i / headDim), then scaled: [headDim / 2] */
    public static float[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        float[] invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            invFreq[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        return switch (scaling) {
            case RopeScaling.None none -> invFreq;
            case RopeScaling.Linear linear -> divide(invFreq, (float) linear.factor());
            case RopeScaling.Llama3 llama3 -> llama3(invFreq, llama3);
        };
    }

    /**
     * The table the rope op reads: row p holds cos(p * invFreq) in columns [0, headDim/2) and sin in
     * [headDim/2, headDim).  table: [maxPositions, headDim]
     */
    public static float[] table(ModelConfig config, int maxPositions) {
        int headDim = config.headDim();
        int half = headDim / 2;
        float[] invFreq = inverseFrequencies(headDim, config.ropeTheta(), config.ropeScaling());
        float[] table = new float[maxPositions * headDim];
        for (int position = 0; position < maxPositions; position++) {
            for (int i = 0; i < half; i++) {
                double angle = invFreq[i] * (float) position;
                table[position * headDim + i] = (float) Math.cos(angle);
                table[position * headDim + half + i] = (float) Math.sin(angle);
            }
        }
        return table;
    }

    private static float[] divide(float[] invFreq, float factor) {
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] /= factor;
        }
        return invFreq;
    }

    /**
     * Llama 3.1's frequency-dependent scaling: long wavelengths (low frequencies) are slowed by {@code factor},
     * short ones are kept, and the band between is interpolated smoothly.
     */
    private static float[] llama3(float[] invFreq, RopeScaling.Llama3 scaling) {
        float factor = (float) scaling.factor();
        float lowFreqFactor = (float) scaling.lowFreqFactor();
        float highFreqFactor = (float) scaling.highFreqFactor();
        float oldContextLength = scaling.originalMaxPositionEmbeddings();
        double lowFreqWavelength = (double) scaling.originalMaxPositionEmbeddings() / scaling.lowFreqFactor();
        double highFreqWavelength = (double) scaling.originalMaxPositionEmbeddings() / scaling.highFreqFactor();
        float[] scaled = new float[invFreq.length];
        for (int i = 0; i < invFreq.length; i++) {
            float wavelength = (1.0f / invFreq[i]) * (float) (2 * Math.PI);
            float slowed = wavelength > lowFreqWavelength ? invFreq[i] / factor : invFreq[i];
            boolean medium = !(wavelength < highFreqWavelength) && !(wavelength > lowFreqWavelength);
            if (medium) {
                float smooth = (oldContextLength / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                slowed = (1 - smooth) * slowed / factor + smooth * slowed;
            }
            scaled[i] = slowed;
        }
        return scaled;
    }
}
