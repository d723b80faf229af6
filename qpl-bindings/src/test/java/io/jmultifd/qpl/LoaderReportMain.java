package io.jmultifd.qpl;

import io.jmultifd.qpl.ffi.qpl_h;
import io.jmultifd.qpl.ffi.qpl_job;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Run by {@link QplLibraryTest} in a child JVM whose property, environment and cache the test sets: prints what
 * the process-wide loader did, one {@code key=value} line each (newlines in values escaped), and, when libqpl
 * loaded, what the generated bindings do with it.
 */
public final class LoaderReportMain {
    private LoaderReportMain() {
    }

    public static void main(String[] args) {
        QplLibrary.Status status = QplLibrary.status();
        print("available", Boolean.toString(status.available()));
        print("source", status.source().map(Enum::name).orElse("none"));
        print("path", status.path().map(Object::toString).orElse("none"));
        print("version", status.version().orElse("none"));
        print("attempts", Integer.toString(status.attempts().size()));
        for (int i = 0; i < status.attempts().size(); i++) {
            print("attempt." + (i + 1), status.attempts().get(i).toString());
        }
        print("named_failure", status.namedLibraryFailure().map(QplLibrary.Attempt::toString).orElse("none"));
        try {
            QplLibrary.load();
            print("load", "ok");
        } catch (QplUnavailableException e) {
            print("load", "threw " + e.getMessage());
        }
        if (status.available()) {
            print("bindings_version", qpl_h.qpl_get_library_version().getString(0));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment size = arena.allocate(ValueLayout.JAVA_INT);
                print("job_size_status", Integer.toString(qpl_h.qpl_get_job_size(qpl_h.qpl_path_software(), size)));
                int jobSize = size.get(ValueLayout.JAVA_INT, 0);
                print("job_size_fits", Boolean.toString(jobSize >= qpl_job.sizeof()));
                MemorySegment job = arena.allocate(jobSize, 64);
                print("init_status", Integer.toString(qpl_h.qpl_init_job(qpl_h.qpl_path_software(), job)));
                print("job_path_software", Boolean.toString(
                        io.jmultifd.qpl.ffi.qpl_aux_data.path(qpl_job.data_ptr(job)) == qpl_h.qpl_path_software()));
                print("fini_status", Integer.toString(qpl_h.qpl_fini_job(job)));
            }
        }
        print("done", "true");
    }

    private static void print(String key, String value) {
        System.out.println(key + "=" + value.replace("\n", "\\n"));
    }
}
