use netgen_generated::prelude::*;

#[core_initcall(require = [SockRegistry])]
fn misspelled(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[core_initcall(requires = SockRegistry)]
fn not_a_list(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[core_initcall(level = subsys)]
fn level_on_a_level_attribute(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[initcall(level = subsytem)]
fn unknown_level(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[initcall(requires = [SockRegistry])]
fn no_level(_k: &mut Kernel) -> InitResult {
    Ok(())
}

fn main() {}
