package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/** Binds C functions of a loaded library as method handles; shared by the driver, cuBLASLt and NVRTC bindings. */
final class Downcalls {

    private static final Linker LINKER = Linker.nativeLinker();

    private final SymbolLookup library;
    private final String libraryName;

    Downcalls(SymbolLookup library, String libraryName) {
        this.library = library;
        this.libraryName = libraryName;
    }

    /** A function returning a status code (CUresult, cublasStatus_t, nvrtcResult: all C ints). */
    MethodHandle status(String symbol, MemoryLayout... arguments) {
        return bind(symbol, FunctionDescriptor.of(JAVA_INT, arguments));
    }

    /** A function returning a C string, such as an error description. */
    MethodHandle string(String symbol, MemoryLayout... arguments) {
        return bind(symbol, FunctionDescriptor.of(ADDRESS, arguments));
    }

    MethodHandle bind(String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = library.find(symbol).orElseThrow(() -> new CudaException(
                libraryName + " has no function " + symbol + "; it is too old for jllm (CUDA 12 or newer is needed)"));
        return LINKER.downcallHandle(address, descriptor);
    }

    /** Reads a NUL-terminated C string that the library owns; null reads as "". */
    static String cString(MemorySegment pointer) {
        if (pointer.equals(MemorySegment.NULL)) {
            return "";
        }
        return pointer.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** Invokes a bound handle's call as an unchecked failure: a native call itself cannot throw a checked exception. */
    static RuntimeException rethrow(Throwable thrown) {
        if (thrown instanceof RuntimeException runtime) {
            return runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(thrown);
    }
}
