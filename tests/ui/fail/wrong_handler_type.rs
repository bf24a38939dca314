// A handler registered at run time is a typed function: one of the wrong
// type does not compile (it was a silent drop when handlers were `dyn Any`).
use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::PacketType;
use netgen_runtime::inet::NetProtocol;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::tables::{NetCx, NetRx};

/// An `err_handler`'s signature, not a receive handler's.
fn not_a_receive_handler(_: &mut NetCx<'_, Pernet>, _: &SkBuff, _: u32) -> Result<(), netgen_runtime::Errno> {
    Ok(())
}

/// A receive handler that forgets the context.
fn no_context(_: SkBuff) -> NetRx {
    NetRx::Success
}

fn main() {
    let _ = NetProtocol::<Pernet>::dynamic("p", not_a_receive_handler, None);
    let _ = PacketType::<Pernet>::dynamic(0x88b5, "t", no_context);
}
