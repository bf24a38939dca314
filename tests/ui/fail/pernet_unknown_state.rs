// Per-namespace state is reached by type; a type no `pernet` operation
// keeps is a compile error, not a failed lookup at run time.
use netgen_generated::pernet::Pernet;
use netgen_runtime::netns::Net;

/// Not the state of any operation in spec/pernet.ng.
struct MyCounters;

fn read(net: &Net<Pernet>) {
    let _ = net.get::<MyCounters>();
}

fn main() {}
