use netgen_generated::prelude::*;
use netgen_generated::resources::SockRegistry;

// The spec already has sock_init provide SockRegistry.
#[core_initcall(provides = [SockRegistry])]
fn my_sock_init(_k: &mut Kernel) -> InitResult {
    Ok(())
}

// Two initcalls of this crate provide the same resource.
pub enum Table {}

#[subsys_initcall(provides = [Table])]
fn table_a(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[fs_initcall(provides = [Table])]
fn table_b(_k: &mut Kernel) -> InitResult {
    Ok(())
}

fn main() {}
