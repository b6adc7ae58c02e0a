"""The F7 models (stm32boot.sim.f7) against our F7 register headers (firmware/regs/stm32f7/*.h, through
stm32boot._regs_f7): the same one-source-of-truth check as tests/test_regs_match.py, for the other family."""
import importlib
import inspect
import pkgutil

import pytest

import stm32boot.sim.f7
from stm32boot.sim.regs import Peripheral

regs = pytest.importorskip("stm32boot._regs_f7", reason="run `doit native` first").lib


def _models():
    found = {}
    for info in pkgutil.iter_modules(stm32boot.sim.f7.__path__):
        mod = importlib.import_module(f"stm32boot.sim.f7.{info.name}")
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, Peripheral) and cls.REGS and cls.__module__ == mod.__name__:
                found[cls.__name__] = cls
    return found


MODELS = _models()


def c(name):
    return getattr(regs, name, None)


def problems_of(cls):
    prefix = cls.C_PREFIX
    aliases = getattr(cls, "C_FIELD_ALIASES", {})   # registers sharing one field layout in C (S0CR.. -> SxCR)
    out = []
    for r in cls.REGS:
        off = c(f"{prefix}_{r.name}")
        if off is None:
            out.append(f"{prefix}_{r.name} missing (model offset 0x{r.offset:X})")
        elif off != r.offset:
            out.append(f"{prefix}_{r.name}: C 0x{off:X} != model 0x{r.offset:X}")
        for f in r.fields:
            name = f"{prefix}_{aliases.get(r.name, r.name)}_{f.name}"
            pos, msk, bit = c(name + "_Pos"), c(name + "_Msk"), c(name)
            if f.width == 1 and bit is not None:
                if bit != f.mask:
                    out.append(f"{name}: C 0x{bit:X} != model bit {f.lsb}")
            elif pos is None or msk is None:
                out.append(f"{name} missing (model bits {f.lsb + f.width - 1}:{f.lsb})")
            elif pos != f.lsb or msk != f.mask:
                out.append(f"{name}: C pos {pos} mask 0x{msk:X} != model bits {f.lsb + f.width - 1}:{f.lsb}")
    return out


def test_every_f7_model_is_checked():
    assert {"RccF7", "FlashF7", "UsartF7", "Quadspi", "PwrF7", "DbgmcuF7", "DmaF7"} <= set(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_f7_model_matches_c_headers(name):
    problems = problems_of(MODELS[name])
    assert not problems, f"{name} vs firmware/regs/stm32f7:\n  " + "\n  ".join(problems)


def test_the_f7_check_catches_a_shifted_register():
    from stm32boot.sim.f7.flash import FlashF7
    assert c("FLASH_CR") == FlashF7.REGS[4].offset == 0x10   # F7 CR, not the H7's 0x0C
    assert c("FLASH_SR") == 0x0C and c("QUADSPI_DR") == 0x20
    bad = type("Bad", (FlashF7,), {"REGS": (FlashF7.REGS[0].__class__("CR", 0x0C),)})
    assert problems_of(bad)
