//! The defaults of the socket vtables.
//!
//! * `sock_no_*` (net/core/sock.c): what a `struct proto_ops` that leaves a
//!   method out gets. Linux fills these in by hand in every vtable that
//!   does not support an operation; the generated dispatch calls them for
//!   every method a spec `proto_ops` does not name. Each is
//!   `EOPNOTSUPP`, except `sock_no_poll`, which reports no events (Linux's
//!   returns 0).
//! * `sk_prot_no_*`: a NULL `struct proto` method. Linux's callers check
//!   for NULL (`if (sk->sk_prot->init)`) and skip the call; here they check
//!   [`ProtoMethods`](crate::tables::ProtoMethods) first, and the
//!   generated dispatch of a method a spec `proto` leaves out lands here:
//!   the housekeeping methods (`init`, `close`, `destroy`, `hash`,
//!   `unhash`) do nothing, the others are `EOPNOTSUPP` (where Linux would
//!   call through NULL).

use crate::errno::Errno;
use crate::tables::{DynProtoOps, Fd, NetCx, ProtoSpec, SockAddr};

/// One function per method the table gives a `default(name { body })`:
/// `pub fn name<S: ProtoSpec>(cx, params..) -> Ret { body }`.
macro_rules! default_fns {
    ($(
        $(#[$tdoc:meta])*
        $table:ident($index:ident) {
            $(
                $(#[$doc:meta])*
                $field:ident => $method:ident($($p:ident: $t:ty),*) $(-> $ret:ty)? = $kind:ident $(($($missing:tt)*))?;
            )*
        }
    )*) => {
        $($(
            default_fn!($table.$field ($($p: $t),*) $(-> $ret)? = $kind $(($($missing)*))?);
        )*)*
    };
}

macro_rules! default_fn {
    ($table:ident.$field:ident ($($p:ident: $t:ty),*) $(-> $ret:ty)? = default($name:ident { $($body:tt)* })) => {
        #[doc = concat!("The default `", stringify!($table), ".", stringify!($field), "`: Linux's `", stringify!($name), "`.")]
        #[allow(unused_variables)]
        pub fn $name<S: ProtoSpec>(cx: &mut NetCx<'_, S>, $($p: $t),*) $(-> $ret)? {
            $($body)*
        }
    };
    ($table:ident.$field:ident ($($p:ident: $t:ty),*) $(-> $ret:ty)? = $kind:ident $(($($missing:tt)*))?) => {};
}

crate::tables::for_each_vtable!(default_fns);

/// `DynProtoOps::no`: every method of a run-time `proto_ops` set to its
/// default from the table (`release`, which has none, does nothing).
macro_rules! no_vtable {
    (
        $(#[$fdoc:meta])* family($fi:ident) { $($family:tt)* }
        $(#[$pdoc:meta])* packet_type($pi:ident) { $($packet:tt)* }
        $(#[$idoc:meta])* inet_protocol($ii:ident) { $($inet:tt)* }
        $(#[$odoc:meta])* proto_ops($oi:ident) {
            $(
                $(#[$doc:meta])*
                $field:ident => $method:ident($($p:ident: $t:ty),*) $(-> $ret:ty)? = $kind:ident $(($($missing:tt)*))?;
            )*
        }
        $(#[$rdoc:meta])* proto($ri:ident) { $($prot:tt)* }
        $(#[$ndoc:meta])* nf_hook($ni:ident) { $($nf:tt)* }
    ) => {
        impl<S: ProtoSpec> DynProtoOps<S> {
            /// A vtable of every method Linux's `sock_no_*` default.
            pub fn no(name: &'static str, family: u16) -> Self {
                DynProtoOps { name, family, $($field: no_method!($kind $(($($missing)*))?)),* }
            }
        }
    };
}

/// The default of one method: its `sock_no_*`; the one required method
/// (`release`) does nothing.
macro_rules! no_method {
    (default($name:ident { $($body:tt)* })) => {
        $name::<S>
    };
    (required) => {
        release_nothing::<S>
    };
}

crate::tables::for_each_vtable!(no_vtable);

fn release_nothing<S: ProtoSpec>(_: &mut NetCx<'_, S>, _: Fd) -> Result<(), Errno> {
    Ok(())
}
