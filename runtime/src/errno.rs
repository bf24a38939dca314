//! Linux error numbers, as initcalls and registration functions return them.
//!
//! Values are those of `include/uapi/asm-generic/errno-base.h` and `errno.h`
//! on x86_64, so a trace line `returned -12` means what it means in Linux.

use std::fmt;

/// A positive Linux error number. Functions return `Err(Errno::ENOMEM)` where
/// Linux returns `-ENOMEM`; [`Errno::as_rc`] gives the negative return code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $val:expr, $text:expr;)*) => {
        impl Errno {
            $(#[doc = $text] pub const $name: Errno = Errno($val);)*

            /// The symbolic name (`"ENOMEM"`), or `None` for a number this table lacks.
            pub fn name(self) -> Option<&'static str> {
                match self.0 { $($val => Some(stringify!($name)),)* _ => None }
            }

            /// The `strerror` text.
            pub fn description(self) -> &'static str {
                match self.0 { $($val => $text,)* _ => "Unknown error" }
            }

            /// Parses a symbolic name such as `"ENOMEM"`.
            pub fn from_name(name: &str) -> Option<Errno> {
                match name { $(stringify!($name) => Some(Errno::$name),)* _ => None }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "I/O error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    EBADF = 9, "Bad file number";
    EAGAIN = 11, "Try again";
    ENOMEM = 12, "Out of memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    ENODEV = 19, "No such device";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "File table overflow";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Not a typewriter";
    ENOSPC = 28, "No space left on device";
    EPIPE = 32, "Broken pipe";
    EDEADLK = 35, "Resource deadlock would occur";
    ENOSYS = 38, "Function not implemented";
    ELOOP = 40, "Too many symbolic links encountered";
    ENONET = 64, "Machine is not on the network";
    EPROTO = 71, "Protocol error";
    ENOTSOCK = 88, "Socket operation on non-socket";
    EDESTADDRREQ = 89, "Destination address required";
    EMSGSIZE = 90, "Message too long";
    EPROTOTYPE = 91, "Protocol wrong type for socket";
    ENOPROTOOPT = 92, "Protocol not available";
    EPROTONOSUPPORT = 93, "Protocol not supported";
    ESOCKTNOSUPPORT = 94, "Socket type not supported";
    EOPNOTSUPP = 95, "Operation not supported on transport endpoint";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address already in use";
    EADDRNOTAVAIL = 99, "Cannot assign requested address";
    ENETDOWN = 100, "Network is down";
    ENETUNREACH = 101, "Network is unreachable";
    ENOBUFS = 105, "No buffer space available";
    EISCONN = 106, "Transport endpoint is already connected";
    ENOTCONN = 107, "Transport endpoint is not connected";
    ECONNRESET = 104, "Connection reset by peer";
    ECONNREFUSED = 111, "Connection refused";
    EHOSTDOWN = 112, "Host is down";
    EHOSTUNREACH = 113, "No route to host";
    EALREADY = 114, "Operation already in progress";
    EINPROGRESS = 115, "Operation now in progress";
}

impl Errno {
    /// The value a Linux function returns for this error: `-errno`.
    pub fn as_rc(self) -> i32 {
        -self.0
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} ({})", self.description()),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl std::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_rc_is_negative() {
        assert_eq!(Errno::from_name("ENOMEM"), Some(Errno::ENOMEM));
        assert_eq!(Errno::ENOMEM.as_rc(), -12);
        assert_eq!(Errno::EEXIST.to_string(), "EEXIST (File exists)");
        assert_eq!(format!("{:?}", Errno(4000)), "Errno(4000)");
        assert_eq!(Errno::from_name("ENOPE"), None);
    }
}
