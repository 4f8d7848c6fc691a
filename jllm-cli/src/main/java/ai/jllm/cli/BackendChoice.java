package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.backend.Backend;
import ai.jllm.cpu.CpuBackend;
import java.util.Locale;

/** The {@code --backend} option: which backend runs the model. */
enum BackendChoice {
    AUTO, CPU, CUDA;

    /** Picocli converter: accepts the lower-case names users type. */
    static BackendChoice parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new JllmException("unknown backend '" + value + "'; choose auto, cpu or cuda");
        }
    }

    /**
     * Creates the backend. {@code auto} takes the CPU until the CUDA backend exists; {@code cuda} says plainly
     * that this build has none.
     *
     * @param threads CPU threads (0: one per core)
     */
    Backend create(int threads) {
        return switch (this) {
            case AUTO, CPU -> threads > 0 ? new CpuBackend(threads) : new CpuBackend();
            case CUDA -> throw new JllmException("this build of jllm has no CUDA backend yet; use --backend cpu");
        };
    }
}
