// Every spec operation's state is reached by type.
use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::{LoopbackDev, NetDevTables};
use netgen_runtime::netns::Net;

fn lo(net: &mut Net<Pernet>) -> Option<i32> {
    let ifindex = net.get::<LoopbackDev>().ok()?.ifindex;
    net.get_mut::<NetDevTables>().ok()?.get_by_index(ifindex).map(|d| d.ifindex)
}

fn main() {
    let _ = lo;
}
