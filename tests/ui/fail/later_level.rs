// `SockRegistry` is provided by sock_init at `core`; `pure` runs before it.
use netgen_generated::prelude::*;
use netgen_generated::resources::SockRegistry;

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

fn main() {}
