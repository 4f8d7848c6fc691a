package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Map;

/**
 * NVRTC, the run-time CUDA C++ compiler, bound by hand: the last way to get kernels when neither the build's fatbin
 * nor its PTX loads (a GPU newer than the build knew, or a build made without nvcc).
 */
final class Nvrtc {

    static final NativeLibrary LIBRARY = new NativeLibrary("libnvrtc",
            List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"));

    private final MethodHandle getErrorString;
    private final MethodHandle createProgram;
    private final MethodHandle compileProgram;
    private final MethodHandle getProgramLogSize;
    private final MethodHandle getProgramLog;
    private final MethodHandle getCubinSize;
    private final MethodHandle getCubin;
    private final MethodHandle destroyProgram;

    private Nvrtc(Downcalls calls) {
        getErrorString = calls.string("nvrtcGetErrorString", JAVA_INT);
        createProgram = calls.status("nvrtcCreateProgram", ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        compileProgram = calls.status("nvrtcCompileProgram", JAVA_LONG, JAVA_INT, ADDRESS);
        getProgramLogSize = calls.status("nvrtcGetProgramLogSize", JAVA_LONG, ADDRESS);
        getProgramLog = calls.status("nvrtcGetProgramLog", JAVA_LONG, ADDRESS);
        getCubinSize = calls.status("nvrtcGetCUBINSize", JAVA_LONG, ADDRESS);
        getCubin = calls.status("nvrtcGetCUBIN", JAVA_LONG, ADDRESS);
        destroyProgram = calls.status("nvrtcDestroyProgram", ADDRESS);
    }

    /** @throws CudaException when the library is missing; the message says where it was looked for */
    static Nvrtc load(Arena arena) {
        return switch (LIBRARY.open(arena, System.getenv())) {
            case NativeLibrary.Lookup.Missing missing -> throw new CudaException("no NVRTC: " + missing.reason());
            case NativeLibrary.Lookup.Found found -> new Nvrtc(new Downcalls(found.symbols(), "libnvrtc"));
        };
    }

    private void check(String call, int status) {
        if (status != 0) {
            String description;
            try {
                description = Downcalls.cString((MemorySegment) getErrorString.invokeExact(status));
            } catch (Throwable thrown) {
                description = "";
            }
            throw new CudaException(call, status, description, "");
        }
    }

    /**
     * Compiles {@code source} to a cubin for one GPU.
     *
     * @param headers include name → source, for the {@code #include "..."} lines of the program
     * @param computeCapability e.g. 90 for sm_90
     * @return the cubin, allocated in {@code arena}
     * @throws CudaException with the compiler's log when compilation fails
     */
    MemorySegment compile(String name, String source, Map<String, String> headers, int computeCapability,
                          Arena arena) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment program = scratch.allocate(JAVA_LONG);
            MemorySegment headerSources = scratch.allocate(ADDRESS, Math.max(1, headers.size()));
            MemorySegment headerNames = scratch.allocate(ADDRESS, Math.max(1, headers.size()));
            int index = 0;
            for (Map.Entry<String, String> header : headers.entrySet()) {
                headerSources.setAtIndex(ADDRESS, index, scratch.allocateFrom(header.getValue()));
                headerNames.setAtIndex(ADDRESS, index, scratch.allocateFrom(header.getKey()));
                index++;
            }
            check("nvrtcCreateProgram", (int) createProgram.invokeExact(program, scratch.allocateFrom(source),
                    scratch.allocateFrom(name), headers.size(), headerSources, headerNames));
            long handle = program.get(JAVA_LONG, 0);
            try {
                List<String> options = List.of("--gpu-architecture=sm_" + computeCapability, "--std=c++17",
                        "-default-device");
                MemorySegment optionArray = scratch.allocate(ADDRESS, options.size());
                for (int i = 0; i < options.size(); i++) {
                    optionArray.setAtIndex(ADDRESS, i, scratch.allocateFrom(options.get(i)));
                }
                int compiled = (int) compileProgram.invokeExact(handle, options.size(), optionArray);
                if (compiled != 0) {
                    throw new CudaException("nvrtcCompileProgram(" + name + ") failed: " + log(handle, scratch));
                }
                MemorySegment size = scratch.allocate(JAVA_LONG);
                check("nvrtcGetCUBINSize", (int) getCubinSize.invokeExact(handle, size));
                MemorySegment cubin = arena.allocate(size.get(JAVA_LONG, 0), 8);
                check("nvrtcGetCUBIN", (int) getCubin.invokeExact(handle, cubin));
                return cubin;
            } finally {
                int ignored = (int) destroyProgram.invokeExact(program);
            }
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    private String log(long program, Arena scratch) throws Throwable {
        MemorySegment size = scratch.allocate(JAVA_LONG);
        check("nvrtcGetProgramLogSize", (int) getProgramLogSize.invokeExact(program, size));
        MemorySegment log = scratch.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
        check("nvrtcGetProgramLog", (int) getProgramLog.invokeExact(program, log));
        return log.getString(0).strip().replace('\n', ' ');
    }
}
