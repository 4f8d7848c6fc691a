package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * The CUDA driver API (libcuda), bound by hand through FFM. Only the versioned entry points that cuda.h maps its names
 * to are bound ({@code cuMemAlloc_v2}, {@code cuStreamBeginCapture_v2}, ...), so behaviour matches a C program
 * compiled against CUDA 12/13. Handles (contexts, streams, events, modules, functions, graphs) and device pointers are
 * carried as {@code long}s; every call is checked and a failure names the call and CUDA's error name and string.
 */
public final class CudaDriver {

    static final NativeLibrary LIBRARY = new NativeLibrary("libcuda", List.of("libcuda.so.1", "libcuda.so"));

    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
    static final int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
    static final int CU_STREAM_NON_BLOCKING = 1;
    static final int CU_EVENT_DEFAULT = 0;
    static final int CU_EVENT_DISABLE_TIMING = 2;
    static final int CU_MEMHOSTALLOC_PORTABLE = 1;
    static final int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
    static final int CUDA_ERROR_NO_DEVICE = 100;

    /** Free and total device memory of the current context's device, in bytes. */
    public record MemoryInfo(long free, long total) {}

    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuGetErrorString;
    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventElapsedTime;
    private final MethodHandle cuEventDestroy;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemGetInfo;
    private final MethodHandle cuMemHostAlloc;
    private final MethodHandle cuMemFreeHost;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemcpyDtoDAsync;
    private final MethodHandle cuMemsetD8Async;
    private final MethodHandle cuModuleLoadData;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuFuncSetAttribute;
    private final MethodHandle cuLaunchKernel;
    private final MethodHandle cuLaunchKernelEx;
    private final MethodHandle cuOccupancyMaxActiveBlocksPerMultiprocessor;
    private final MethodHandle cuStreamBeginCapture;
    private final MethodHandle cuStreamEndCapture;
    private final MethodHandle cuGraphInstantiateWithFlags;
    private final MethodHandle cuGraphLaunch;
    private final MethodHandle cuGraphExecDestroy;
    private final MethodHandle cuGraphDestroy;

    private CudaDriver(Downcalls calls) {
        cuGetErrorName = calls.status("cuGetErrorName", JAVA_INT, ADDRESS);
        cuGetErrorString = calls.status("cuGetErrorString", JAVA_INT, ADDRESS);
        cuInit = calls.status("cuInit", JAVA_INT);
        cuDriverGetVersion = calls.status("cuDriverGetVersion", ADDRESS);
        cuDeviceGetCount = calls.status("cuDeviceGetCount", ADDRESS);
        cuDeviceGet = calls.status("cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = calls.status("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = calls.status("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceTotalMem = calls.status("cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRetain = calls.status("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRelease = calls.status("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
        cuCtxSetCurrent = calls.status("cuCtxSetCurrent", JAVA_LONG);
        cuStreamCreate = calls.status("cuStreamCreate", ADDRESS, JAVA_INT);
        cuStreamDestroy = calls.status("cuStreamDestroy_v2", JAVA_LONG);
        cuStreamSynchronize = calls.status("cuStreamSynchronize", JAVA_LONG);
        cuEventCreate = calls.status("cuEventCreate", ADDRESS, JAVA_INT);
        cuEventRecord = calls.status("cuEventRecord", JAVA_LONG, JAVA_LONG);
        cuEventSynchronize = calls.status("cuEventSynchronize", JAVA_LONG);
        cuEventElapsedTime = calls.status("cuEventElapsedTime", ADDRESS, JAVA_LONG, JAVA_LONG);
        cuEventDestroy = calls.status("cuEventDestroy_v2", JAVA_LONG);
        cuMemAlloc = calls.status("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = calls.status("cuMemFree_v2", JAVA_LONG);
        cuMemGetInfo = calls.status("cuMemGetInfo_v2", ADDRESS, ADDRESS);
        cuMemHostAlloc = calls.status("cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
        cuMemFreeHost = calls.status("cuMemFreeHost", ADDRESS);
        cuMemcpyHtoDAsync = calls.status("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG);
        cuMemcpyDtoHAsync = calls.status("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG);
        cuMemcpyDtoDAsync = calls.status("cuMemcpyDtoDAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
        cuMemsetD8Async = calls.status("cuMemsetD8Async", JAVA_LONG, JAVA_BYTE, JAVA_LONG, JAVA_LONG);
        cuModuleLoadData = calls.status("cuModuleLoadData", ADDRESS, ADDRESS);
        cuModuleGetFunction = calls.status("cuModuleGetFunction", ADDRESS, JAVA_LONG, ADDRESS);
        cuModuleUnload = calls.status("cuModuleUnload", JAVA_LONG);
        cuFuncSetAttribute = calls.status("cuFuncSetAttribute", JAVA_LONG, JAVA_INT, JAVA_INT);
        cuLaunchKernel = calls.status("cuLaunchKernel", JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        cuLaunchKernelEx = calls.status("cuLaunchKernelEx", ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
        cuOccupancyMaxActiveBlocksPerMultiprocessor = calls.status("cuOccupancyMaxActiveBlocksPerMultiprocessor",
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG);
        cuStreamBeginCapture = calls.status("cuStreamBeginCapture_v2", JAVA_LONG, JAVA_INT);
        cuStreamEndCapture = calls.status("cuStreamEndCapture", JAVA_LONG, ADDRESS);
        cuGraphInstantiateWithFlags = calls.status("cuGraphInstantiateWithFlags", ADDRESS, JAVA_LONG, JAVA_LONG);
        cuGraphLaunch = calls.status("cuGraphLaunch", JAVA_LONG, JAVA_LONG);
        cuGraphExecDestroy = calls.status("cuGraphExecDestroy", JAVA_LONG);
        cuGraphDestroy = calls.status("cuGraphDestroy", JAVA_LONG);
    }

    /**
     * Opens libcuda and initializes it.
     *
     * @throws CudaException when the library is missing (the message says where it was looked for) or cuInit fails
     */
    public static CudaDriver load(Arena arena) {
        return switch (LIBRARY.open(arena, System.getenv())) {
            case NativeLibrary.Lookup.Missing missing -> throw new CudaException("no CUDA driver: " + missing.reason());
            case NativeLibrary.Lookup.Found found -> {
                CudaDriver driver = new CudaDriver(new Downcalls(found.symbols(), "libcuda"));
                driver.init();
                yield driver;
            }
        };
    }

    private void init() {
        try {
            check("cuInit", (int) cuInit.invokeExact(0));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code status} is CUDA_SUCCESS. */
    void check(String call, int status) {
        if (status != 0) {
            throw new CudaException(call, status, errorText(cuGetErrorName, status), errorText(cuGetErrorString, status));
        }
    }

    private static String errorText(MethodHandle lookup, int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(ADDRESS);
            int found = (int) lookup.invokeExact(status, text);
            return found == 0 ? Downcalls.cString(text.get(ADDRESS, 0)) : "";
        } catch (Throwable thrown) {
            return "";
        }
    }

    // ---- devices and contexts ----

    /** The driver's CUDA version as major * 1000 + minor * 10. */
    public int driverVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment version = arena.allocate(JAVA_INT);
            check("cuDriverGetVersion", (int) cuDriverGetVersion.invokeExact(version));
            return version.get(JAVA_INT, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    public int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            check("cuDeviceGetCount", (int) cuDeviceGetCount.invokeExact(count));
            return count.get(JAVA_INT, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /** The CUdevice of an ordinal. */
    int device(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment device = arena.allocate(JAVA_INT);
            check("cuDeviceGet", (int) cuDeviceGet.invokeExact(device, ordinal));
            return device.get(JAVA_INT, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(256);
            check("cuDeviceGetName", (int) cuDeviceGetName.invokeExact(name, 256, device));
            return name.getString(0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    int deviceAttribute(int attribute, int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            check("cuDeviceGetAttribute", (int) cuDeviceGetAttribute.invokeExact(value, attribute, device));
            return value.get(JAVA_INT, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    long deviceTotalMemory(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", (int) cuDeviceTotalMem.invokeExact(bytes, device));
            return bytes.get(JAVA_LONG, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    long primaryContextRetain(int device) {
        return handleOut("cuDevicePrimaryCtxRetain", out -> (int) cuDevicePrimaryCtxRetain.invokeExact(out, device));
    }

    void primaryContextRelease(int device) {
        try {
            check("cuDevicePrimaryCtxRelease_v2", (int) cuDevicePrimaryCtxRelease.invokeExact(device));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void setCurrent(long context) {
        try {
            check("cuCtxSetCurrent", (int) cuCtxSetCurrent.invokeExact(context));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    // ---- streams and events ----

    long streamCreate(int flags) {
        return handleOut("cuStreamCreate", out -> (int) cuStreamCreate.invokeExact(out, flags));
    }

    void streamDestroy(long stream) {
        call("cuStreamDestroy_v2", cuStreamDestroy, stream);
    }

    void streamSynchronize(long stream) {
        call("cuStreamSynchronize", cuStreamSynchronize, stream);
    }

    long eventCreate(int flags) {
        return handleOut("cuEventCreate", out -> (int) cuEventCreate.invokeExact(out, flags));
    }

    void eventRecord(long event, long stream) {
        try {
            check("cuEventRecord", (int) cuEventRecord.invokeExact(event, stream));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void eventSynchronize(long event) {
        call("cuEventSynchronize", cuEventSynchronize, event);
    }

    float eventElapsedMillis(long start, long end) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment millis = arena.allocate(JAVA_FLOAT);
            check("cuEventElapsedTime", (int) cuEventElapsedTime.invokeExact(millis, start, end));
            return millis.get(JAVA_FLOAT, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void eventDestroy(long event) {
        call("cuEventDestroy_v2", cuEventDestroy, event);
    }

    // ---- memory ----

    /** Plain device memory (never managed memory). */
    long memAlloc(long bytes) {
        return handleOut("cuMemAlloc_v2", out -> (int) cuMemAlloc.invokeExact(out, bytes));
    }

    void memFree(long pointer) {
        call("cuMemFree_v2", cuMemFree, pointer);
    }

    MemoryInfo memoryInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG);
            MemorySegment total = arena.allocate(JAVA_LONG);
            check("cuMemGetInfo_v2", (int) cuMemGetInfo.invokeExact(free, total));
            return new MemoryInfo(free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /** Page-locked host memory that async copies can use directly; free with {@link #hostFree}. */
    MemorySegment hostAlloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check("cuMemHostAlloc", (int) cuMemHostAlloc.invokeExact(out, bytes, CU_MEMHOSTALLOC_PORTABLE));
            return out.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void hostFree(MemorySegment pinned) {
        try {
            check("cuMemFreeHost", (int) cuMemFreeHost.invokeExact(pinned));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void copyHostToDevice(long destination, MemorySegment source, long bytes, long stream) {
        try {
            check("cuMemcpyHtoDAsync_v2", (int) cuMemcpyHtoDAsync.invokeExact(destination, source, bytes, stream));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void copyDeviceToHost(MemorySegment destination, long source, long bytes, long stream) {
        try {
            check("cuMemcpyDtoHAsync_v2", (int) cuMemcpyDtoHAsync.invokeExact(destination, source, bytes, stream));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void copyDeviceToDevice(long destination, long source, long bytes, long stream) {
        try {
            check("cuMemcpyDtoDAsync_v2", (int) cuMemcpyDtoDAsync.invokeExact(destination, source, bytes, stream));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void memsetBytes(long destination, byte value, long count, long stream) {
        try {
            check("cuMemsetD8Async", (int) cuMemsetD8Async.invokeExact(destination, value, count, stream));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    // ---- modules and launches ----

    /** Loads a fatbin, cubin or NUL-terminated PTX image (the driver JIT-compiles PTX for the device). */
    long moduleLoadData(MemorySegment image) {
        return handleOut("cuModuleLoadData", out -> (int) cuModuleLoadData.invokeExact(out, image));
    }

    long moduleFunction(long module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            int status = (int) cuModuleGetFunction.invokeExact(out, module, arena.allocateFrom(name));
            check("cuModuleGetFunction(" + name + ")", status);
            return out.get(JAVA_LONG, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void moduleUnload(long module) {
        call("cuModuleUnload", cuModuleUnload, module);
    }

    void functionSetAttribute(long function, int attribute, int value) {
        try {
            check("cuFuncSetAttribute", (int) cuFuncSetAttribute.invokeExact(function, attribute, value));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /** Enqueues a kernel. {@code parameters} is the array of pointers to each argument's value (kernelParams). */
    void launch(String kernel, long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                int sharedBytes, long stream, MemorySegment parameters) {
        try {
            int status = (int) cuLaunchKernel.invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                    sharedBytes, stream, parameters, MemorySegment.NULL);
            if (status != 0) {
                check("cuLaunchKernel(" + kernel + ")", status);
            }
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /**
     * Enqueues a kernel with a launch configuration (CUlaunchConfig: grid, block, shared memory, stream and
     * attributes, see {@link DependentLaunch}).
     */
    void launch(String kernel, long function, MemorySegment config, MemorySegment parameters) {
        try {
            int status = (int) cuLaunchKernelEx.invokeExact(config, function, parameters, MemorySegment.NULL);
            if (status != 0) {
                check("cuLaunchKernelEx(" + kernel + ")", status);
            }
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /** How many blocks of {@code function} fit on one multiprocessor at once. */
    int maxActiveBlocksPerMultiprocessor(long function, int threads, int sharedBytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            check("cuOccupancyMaxActiveBlocksPerMultiprocessor",
                    (int) cuOccupancyMaxActiveBlocksPerMultiprocessor.invokeExact(count, function, threads,
                            (long) sharedBytes));
            return count.get(JAVA_INT, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    // ---- graphs ----

    void beginCapture(long stream) {
        try {
            check("cuStreamBeginCapture_v2",
                    (int) cuStreamBeginCapture.invokeExact(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    /** Ends a capture and returns the captured CUgraph. */
    long endCapture(long stream) {
        return handleOut("cuStreamEndCapture", out -> (int) cuStreamEndCapture.invokeExact(stream, out));
    }

    long graphInstantiate(long graph) {
        return handleOut("cuGraphInstantiateWithFlags",
                out -> (int) cuGraphInstantiateWithFlags.invokeExact(out, graph, 0L));
    }

    void graphLaunch(long executable, long stream) {
        try {
            check("cuGraphLaunch", (int) cuGraphLaunch.invokeExact(executable, stream));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    void graphExecDestroy(long executable) {
        call("cuGraphExecDestroy", cuGraphExecDestroy, executable);
    }

    void graphDestroy(long graph) {
        call("cuGraphDestroy", cuGraphDestroy, graph);
    }

    // ---- helpers ----

    private interface OutCall {
        int invoke(MemorySegment out) throws Throwable;
    }

    /** Calls a function whose first argument receives a handle (a pointer-sized value) and returns it. */
    private long handleOut(String name, OutCall call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check(name, call.invoke(out));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }

    private void call(String name, MethodHandle handle, long argument) {
        try {
            check(name, (int) handle.invokeExact(argument));
        } catch (Throwable thrown) {
            throw Downcalls.rethrow(thrown);
        }
    }
}
