// `SockRegistry` is provided by sock_init at `core`; `pure` runs before it.
use netgen_generated::prelude::*;
use netgen_generated::resources::{IgbDriver, InetFamily, SockRegistry};

#[pure_initcall(requires = [SockRegistry])]
fn my_init(_k: &mut Kernel) -> InitResult {
    Ok(())
}

// A resource of this crate, provided at `device`, required at `subsys`.
pub enum Late {}

#[device_initcall(provides = [Late])]
fn late_provider(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[subsys_initcall(requires = [Late])]
fn too_early(_k: &mut Kernel) -> InitResult {
    Ok(())
}

// Levels print as the spec writes them, `fs` too (a type named `fs` prints
// as `netgen_generated::levels::fs`, since `std::fs` exists).
#[core_initcall(requires = [InetFamily])]
fn before_inet(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[fs_initcall(requires = [IgbDriver])]
fn before_igb(_k: &mut Kernel) -> InitResult {
    Ok(())
}

fn main() {}
