from . import test_i18n_spanish
from . import test_livechat_ticket
