// timeval in whole milliseconds: how rusage's CPU times are reported to the master.
import Glibc

extension timeval {
    var milliseconds: Int64 { Int64(tv_sec) * 1000 + Int64(tv_usec) / 1000 }
}
