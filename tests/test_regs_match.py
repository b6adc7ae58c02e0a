"""One source of truth: every register offset and field that a simulator model declares must match the C
register headers the firmware is built with (firmware/regs/*.h and firmware/regs/stm32h7/*.h; values from the C
compiler through stm32boot._regs).

Mapping (explicit and simple): a model class sets C_PREFIX (e.g. "USART"); register R of that model is
C macro PREFIX_R (its offset); field F of R is PREFIX_R_F (a 1-bit field: the bit mask, or PREFIX_R_F_Pos),
or PREFIX_R_F_Pos and PREFIX_R_F_Msk for a wider one. Registers that share one field layout in C
(PLL1DIVR..PLL3DIVR -> PLLDIVR) are named in the model's C_FIELD_ALIASES.
"""
import importlib
import inspect
import pkgutil

import pytest

import stm32boot.sim
import stm32boot.sim.periph
from stm32boot.sim.regs import Peripheral

regs = pytest.importorskip("stm32boot._regs", reason="run `doit native` first").lib


def _models():
    found = {}
    for pkg in (stm32boot.sim, stm32boot.sim.periph):
        for info in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
            for _, cls in inspect.getmembers(mod, inspect.isclass):
                if issubclass(cls, Peripheral) and cls is not Peripheral and cls.REGS and \
                        cls.__module__ == mod.__name__:
                    found[f"{cls.__module__}.{cls.__name__}"] = cls
    return found


MODELS = _models()


def c(name):
    return getattr(regs, name, None)


def test_the_models_we_rely_on_are_all_checked():
    names = {k.rsplit(".", 1)[1] for k in MODELS}
    assert {"Rcc", "Pwr", "GpioPort", "Usart", "Flash"} <= names


@pytest.mark.parametrize("key", sorted(MODELS))
def test_model_matches_c_headers(key):
    cls = MODELS[key]
    prefix = getattr(cls, "C_PREFIX", None)
    assert prefix, f"{key} has no C_PREFIX: its registers have no C counterpart to check against"
    aliases = getattr(cls, "C_FIELD_ALIASES", {})
    problems = []
    for r in cls.REGS:
        macro = f"{prefix}_{r.name}"
        off = c(macro)
        if off is None:
            problems.append(f"{macro} missing from the H7 register headers (model offset 0x{r.offset:X})")
        elif off != r.offset:
            problems.append(f"{macro}: C 0x{off:X} != model 0x{r.offset:X}")
        for f in r.fields:
            fname = f"{prefix}_{aliases.get(r.name, r.name)}_{f.name}"
            pos, msk, bit = c(fname + "_Pos"), c(fname + "_Msk"), c(fname)
            if f.width == 1 and bit is not None:
                if bit != f.mask:
                    problems.append(f"{fname}: C 0x{bit:X} != model bit {f.lsb}")
            elif pos is None:
                problems.append(f"{fname}{'' if f.width == 1 else '_Pos/_Msk'} missing (model bits "
                                f"{f.lsb + f.width - 1}:{f.lsb})")
            elif pos != f.lsb or (msk is not None and msk != f.mask) or (msk is None and f.width > 1):
                problems.append(f"{fname}: C pos {pos} mask {msk} != model bits {f.lsb + f.width - 1}:{f.lsb}")
    assert not problems, f"{key} vs the H7 register headers:\n  " + "\n  ".join(problems)


def test_a_wrong_offset_would_be_caught():
    """The check is not vacuous: the same comparison flags a deliberately shifted register."""
    from stm32boot.sim.periph.usart import Usart
    isr = Usart.REGS[[r.name for r in Usart.REGS].index("ISR")]
    assert c("USART_ISR") == isr.offset
    assert c("USART_ISR") != isr.offset + 4
    assert c("USART_NO_SUCH_REGISTER") is None
