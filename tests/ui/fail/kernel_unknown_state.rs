// Kernel-wide state is reached by type, as a field of the generated struct;
// a type no spec `resource` names is a compile error, not a failed lookup
// at boot.
use netgen_generated::prelude::*;

/// Not the state of any resource in spec/resources.ng.
struct MyTable;

fn read(k: &Kernel) {
    let _ = k.get::<MyTable>();
}

fn main() {}
