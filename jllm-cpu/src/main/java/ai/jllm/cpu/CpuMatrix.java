package ai.jllm.cpu;

/** A weight matrix as the CPU's linear kernel reads it: stored floats, or int8/int4 dequantized on the fly. */
sealed interface CpuMatrix permits StoredMatrix, Int8Matrix, Int4Matrix {

    /** Output features. */
    int rows();

    /** Input features. */
    int columns();
}
