package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.backend.Backend;
import ai.jllm.cpu.CpuBackend;
import ai.jllm.cuda.CudaAvailability;
import ai.jllm.cuda.CudaBackend;
import java.io.PrintWriter;
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
     * Creates the backend. {@code auto} takes GPU 0 when a GPU, its driver and kernels for it are there, else the
     * CPU, and says on {@code err} which one and why; {@code cuda} without a GPU fails with the one-line reason.
     *
     * @param threads CPU threads (0: one per core)
     */
    Backend create(int threads, PrintWriter err) {
        return switch (this) {
            case CPU -> cpu(threads);
            case CUDA -> cuda();
            case AUTO -> {
                CudaAvailability availability = CudaBackend.availability();
                if (availability.available()) {
                    try {
                        Backend backend = CudaBackend.create();
                        err.println("backend: " + backend.description());
                        yield backend;
                    } catch (JllmException e) {
                        err.println("backend: cpu (the CUDA backend did not start: " + e.getMessage() + ")");
                        yield cpu(threads);
                    }
                }
                err.println("backend: cpu (" + availability.detail() + ")");
                yield cpu(threads);
            }
        };
    }

    private static Backend cpu(int threads) {
        return threads > 0 ? new CpuBackend(threads) : new CpuBackend();
    }

    private static Backend cuda() {
        try {
            return CudaBackend.create();
        } catch (JllmException e) {
            throw new JllmException("--backend cuda: " + e.getMessage(), e);
        }
    }
}
